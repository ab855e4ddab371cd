#include "loadgen/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "engine/assert.hpp"

namespace loket {

std::size_t LatencyHistogramUs::index_of(std::uint64_t value) {
  if (value < 2 * half) return static_cast<std::size_t>(value);
  const unsigned top_bit = 63u - static_cast<unsigned>(std::countl_zero(value));
  const unsigned shift = top_bit - (sub_bucket_bits - 1);
  const std::size_t index = shift * half + (value >> shift);
  return std::min(index, bucket_count - 1);
}

std::uint64_t LatencyHistogramUs::lowest_of(std::size_t index) {
  if (index < 2 * half) return index;
  const std::uint64_t shift = index / half - 1;
  return (index - shift * half) << shift;
}

void LatencyHistogramUs::record(std::uint64_t microseconds) {
  counts_[index_of(microseconds)] += 1;
  count_ += 1;
  max_ = std::max(max_, microseconds);
  sum_ += microseconds;
}

void LatencyHistogramUs::merge(const LatencyHistogramUs& other) {
  for (std::size_t index = 0; index < bucket_count; ++index) counts_[index] += other.counts_[index];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

std::uint64_t LatencyHistogramUs::percentile(double percent) const {
  LOKET_ASSERT(percent >= 0 && percent <= 100);
  if (count_ == 0) return 0;
  const auto wanted = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t index = 0; index < bucket_count; ++index) {
    seen += counts_[index];
    if (seen >= wanted) return std::min(max_, lowest_of(index + 1) - 1);
  }
  return max_;
}

}  // namespace loket
