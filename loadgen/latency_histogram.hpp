// Latencies in microseconds, HDR-style: exact below 128 us, then 64 buckets per power of two
// (under 1.6 % relative error) up to about 12 days, in fixed memory. Percentiles, not means:
// an opening day is judged by its slowest receipts.
#pragma once

#include <array>
#include <cstdint>

namespace loket {

class LatencyHistogramUs {
 public:
  void record(std::uint64_t microseconds);
  void merge(const LatencyHistogramUs& other);
  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  // The exact mean (the sum is kept beside the buckets); 0 when empty.
  double mean() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
  }
  // The smallest recorded value's bucket top that at least `percent` of the values are at or
  // under; 0 when empty. percent in [0, 100].
  std::uint64_t percentile(double percent) const;

 private:
  static constexpr unsigned sub_bucket_bits = 7;
  static constexpr std::uint64_t half = std::uint64_t{1} << (sub_bucket_bits - 1);
  static constexpr std::size_t bucket_count = 64 * half + 2 * half;
  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t lowest_of(std::size_t index);

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t sum_ = 0;  // 2^64 us is half a million years: it cannot wrap
};

}  // namespace loket
