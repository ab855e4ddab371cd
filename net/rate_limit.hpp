// The request rate of one bearer token, limited by the generic cell rate algorithm: a token
// bucket kept as a single timestamp (the theoretical arrival time of the next request), so
// that checking and charging a request is one compare-and-swap, with no lock on the hot path.
#pragma once

#include <atomic>
#include <cstdint>

namespace loket {

class RateLimiter {
 public:
  // requests_per_second > 0; burst >= 1: how many requests may arrive at once after a pause.
  RateLimiter(std::uint32_t requests_per_second, std::uint32_t burst);

  // 0 when a request arriving at now_ns (any monotonic clock) may go ahead, and charges it;
  // otherwise how many nanoseconds to wait before one would, and charges nothing.
  std::int64_t admit(std::int64_t now_ns);

 private:
  const std::int64_t interval_ns_;
  const std::int64_t tolerance_ns_;  // (burst - 1) intervals
  std::atomic<std::int64_t> next_arrival_ns_{0};
};

}  // namespace loket
