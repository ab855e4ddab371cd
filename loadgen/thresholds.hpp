// `loket loadtest --threshold`: conditions on a run's figures that a release gate checks, such
// as "p99<200ms", "errors<1%" or "rate>=5000". A threshold that is not met makes the run exit
// with its own code (loadtest_command.hpp), so that CI can tell a slow build from a wrong one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "loadgen/latency_histogram.hpp"

namespace loket {

inline constexpr std::size_t thresholds_max = 16;
inline constexpr std::size_t threshold_text_bytes_max = 64;

enum class ThresholdMetric : std::uint8_t { p50, p90, p95, p99, p99_9, max, mean, errors, rate };
enum class Comparison : std::uint8_t { less, less_or_equal, greater, greater_or_equal };

struct Threshold {
  std::string text;  // as given, for the report
  ThresholdMetric metric = ThresholdMetric::p99;
  Comparison comparison = Comparison::less;
  // Microseconds for a latency, a share from 0 to 1 for errors, answers per second for rate.
  double limit = 0;
};

// METRIC OP NUMBER UNIT: a latency (p50 p90 p95 p99 p99.9 max mean) in us, ms or s; errors in
// % of the attempts; rate in answers per second (every answer: a 503 counts here and in the
// errors), without a unit. OP is <, <=, > or >=. Invalid: a sentence saying why.
Result<Threshold> parse_threshold(std::string_view text);

// What a run measured, in the units a Threshold's limit uses.
struct RunFigures {
  const LatencyHistogramUs* latency = nullptr;
  std::uint64_t attempts = 0;  // registrations sent, or whose connection failed
  std::uint64_t errors = 0;    // no answer, a 429 or a 5xx
  double answers_per_second = 0;
};

struct ThresholdVerdict {
  std::string text;
  std::string measured;  // with its unit, as the threshold states it
  bool met = false;
};

ThresholdVerdict judge(const Threshold& threshold, const RunFigures& figures);

}  // namespace loket
