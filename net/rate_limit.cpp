#include "net/rate_limit.hpp"

#include <algorithm>

#include "engine/assert.hpp"

namespace loket {

namespace {
constexpr std::int64_t nanoseconds_per_second = 1'000'000'000;
}

RateLimiter::RateLimiter(std::uint32_t requests_per_second, std::uint32_t burst)
    : interval_ns_(nanoseconds_per_second / std::max<std::uint32_t>(requests_per_second, 1)),
      tolerance_ns_(interval_ns_ *
                    (static_cast<std::int64_t>(std::max<std::uint32_t>(burst, 1)) - 1)) {
  LOKET_ASSERT(requests_per_second > 0 && burst > 0);
  LOKET_ASSERT(interval_ns_ > 0);
}

std::int64_t RateLimiter::admit(std::int64_t now_ns) {
  std::int64_t expected = next_arrival_ns_.load(std::memory_order_relaxed);
  for (;;) {
    const std::int64_t due_ns = std::max(expected, now_ns);
    const std::int64_t early_ns = due_ns - now_ns;
    if (early_ns > tolerance_ns_) return early_ns - tolerance_ns_;
    if (next_arrival_ns_.compare_exchange_weak(expected, due_ns + interval_ns_,
                                               std::memory_order_relaxed)) {
      return 0;
    }
  }
}

}  // namespace loket
