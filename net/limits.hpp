// Every limit of the HTTP front end, in one place. The token file's own limits (how many
// tokens, their rates) are beside its reader, in parse/token_file.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace loket::net_limits {

inline constexpr std::size_t body_bytes_max = 16 * 1024;
inline constexpr std::size_t header_bytes_max = 8 * 1024;
inline constexpr std::size_t idempotency_key_bytes_max = 128;
inline constexpr std::size_t token_bytes_max = 256;
inline constexpr std::size_t exports_max = 2;  // running at once
inline constexpr std::size_t export_chunk_bytes = 256 * 1024;
// The dashboard's event streams (GET /v1/ops/stream), open at once, and how often each sends.
inline constexpr std::size_t ops_streams_max = 16;
inline constexpr int ops_busy_retry_after_seconds = 5;
inline constexpr std::chrono::milliseconds ops_event_interval{1000};
inline constexpr std::string_view event_stream_content_type = "text/event-stream";
inline constexpr std::string_view html_content_type = "text/html; charset=utf-8";
// Ids the server generates for submissions without one start with this; a client may not
// use it, so no client can take the id the server is about to give (docs/api.md).
inline constexpr std::string_view generated_id_prefix = "loket.";
// An unknown field's name is echoed in the problem only this far: a client cannot make the
// reply as large as its request.
inline constexpr std::size_t echoed_field_name_bytes_max = 64;

// Retry-After, in seconds, by why a request was turned away (a 429 gives the rate limiter's
// own wait instead).
inline constexpr int queue_full_retry_after_seconds = 1;
inline constexpr int export_busy_retry_after_seconds = 10;
inline constexpr int journal_unavailable_retry_after_seconds = 5;  // also /readyz while not ready
inline constexpr int no_leader_retry_after_seconds = 1;  // a cluster elects within a lease TTL

// What the server says and the headers it reads by name (docs/api.md).
inline constexpr std::string_view server_header_value = "loket";
inline constexpr std::string_view bearer_challenge = "Bearer realm=\"loket\"";
inline constexpr std::string_view json_content_type = "application/json";
inline constexpr std::string_view problem_content_type = "application/problem+json";
inline constexpr std::string_view csv_content_type = "text/csv; charset=utf-8";
inline constexpr std::string_view jsonl_content_type = "application/x-ndjson";
inline constexpr std::string_view text_content_type = "text/plain; charset=utf-8";
// A proof asked for before the next checkpoint: try again after about this long.
inline constexpr int not_checkpointed_retry_after_seconds = 5;
inline constexpr std::string_view authorization_header = "Authorization";
inline constexpr std::string_view content_type_header = "Content-Type";
inline constexpr std::string_view idempotency_key_header = "Idempotency-Key";
// On the recorded answer that a retry with a known Idempotency-Key gets: "true". A client
// can tell it from a first answer (Stripe's name for the same header).
inline constexpr std::string_view idempotent_replayed_header = "Idempotent-Replayed";

}  // namespace loket::net_limits
