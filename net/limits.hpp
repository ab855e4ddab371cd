// Every limit of the HTTP front end, in one place.
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
inline constexpr std::size_t tokens_max = 1024;
inline constexpr std::size_t exports_max = 2;  // running at once
inline constexpr std::size_t export_chunk_bytes = 256 * 1024;
inline constexpr std::uint32_t token_requests_per_second_max = 1'000'000;
// Ids the server generates for submissions without one start with this; a client may not
// use it, so no client can take the id the server is about to give (docs/api.md).
inline constexpr std::string_view generated_id_prefix = "loket.";

}  // namespace loket::net_limits
