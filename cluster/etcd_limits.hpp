// Every limit of the etcd client, named once (docs/cluster.md). etcd's own figures are the
// defaults of etcd 3.4 started without flags; the client checks a request against them before
// it sends anything, so that a batch too large for etcd is the caller's invalid_argument at
// once, not a round trip ending in etcd's refusal.
#pragma once

#include <cstddef>
#include <cstdint>

#include "parse/base64.hpp"

namespace loket::etcd_limits {

// etcd's --max-request-bytes default: the largest Raft proposal a member accepts. etcd counts
// the protobuf encoding of the request, in which keys and values are raw bytes: measured on
// etcd 3.4.23, a put of 1,572,000 value bytes (a JSON body of 2,096,029) is accepted and one of
// 1,572,864 is refused. The gateway's base64 costs wire bytes and time, not this limit.
inline constexpr std::size_t server_request_bytes_max = 1536 * 1024;
// etcd's --max-txn-ops default: a transaction's compares, its success operations and its
// failure operations may each number at most this.
inline constexpr std::size_t txn_ops_max = 128;
// etcd's largest lease TTL (lease.MaxLeaseTTL).
inline constexpr std::int64_t lease_ttl_seconds_max = 9'000'000'000;

// The client's bound on a request's protobuf size: the bytes of every key, value and range end,
// plus at most message_overhead_bytes for each operation or compare (its field tags and
// lengths, a lease, a revision, flags) and request_overhead_bytes for the Raft request around
// them (its header and ID). An overestimate by design: a request the client lets through is
// never refused by a member that enforces server_request_bytes_max.
inline constexpr std::size_t message_overhead_bytes = 48;
inline constexpr std::size_t request_overhead_bytes = 64;

// On the wire a request is JSON: each byte field base64-encoded (a third more, padding
// included: the overhead above is counted as if encoded too) and each message wrapped in field
// names, quotes and decimal numbers, which json_message_overhead_bytes bounds. So a request of
// `request_bytes` in `messages` messages is a body of at most this.
inline constexpr std::size_t json_message_overhead_bytes = 160;
constexpr std::size_t request_body_bytes_max(std::size_t request_bytes, std::size_t messages) {
  return base64_encoded_bytes(request_bytes) + json_message_overhead_bytes * (messages + 1);
}

// The largest answer the client reads (a range of many keys, base64-encoded); a range that
// may be larger must set a limit and page.
inline constexpr std::size_t response_bytes_max = 64 * 1024 * 1024;
// At most this many endpoints in one client (etcd clusters have 3, 5 or 7 members).
inline constexpr std::size_t endpoints_max = 16;

// Timeouts, in the client's options (cluster/etcd_client.hpp).
inline constexpr std::uint32_t connect_timeout_ms_default = 1000;
inline constexpr std::uint32_t request_timeout_ms_default = 3000;
inline constexpr std::uint32_t timeout_ms_max = 600'000;

}  // namespace loket::etcd_limits
