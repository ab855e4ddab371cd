#include "loadgen/thresholds.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "engine/assert.hpp"

namespace loket {
namespace {

// A larger number is a typing error, whatever its unit.
constexpr double limit_max = 1e12;

struct MetricName {
  std::string_view name;
  ThresholdMetric metric;
  double percentile;  // for the latency percentiles
};
// Longest first where one name starts another ("p99.9" before "p99").
constexpr std::array<MetricName, 9> metric_names = {{{"p99.9", ThresholdMetric::p99_9, 99.9},
                                                     {"p50", ThresholdMetric::p50, 50},
                                                     {"p90", ThresholdMetric::p90, 90},
                                                     {"p95", ThresholdMetric::p95, 95},
                                                     {"p99", ThresholdMetric::p99, 99},
                                                     {"max", ThresholdMetric::max, 0},
                                                     {"mean", ThresholdMetric::mean, 0},
                                                     {"errors", ThresholdMetric::errors, 0},
                                                     {"rate", ThresholdMetric::rate, 0}}};

constexpr std::array<std::pair<std::string_view, Comparison>, 4> comparisons = {
    {{"<=", Comparison::less_or_equal},
     {">=", Comparison::greater_or_equal},
     {"<", Comparison::less},
     {">", Comparison::greater}}};

bool is_latency(ThresholdMetric metric) {
  return metric != ThresholdMetric::errors && metric != ThresholdMetric::rate;
}

// The unit's factor to the limit's unit; 0 when the metric does not take this unit.
double unit_factor(ThresholdMetric metric, std::string_view unit) {
  if (metric == ThresholdMetric::errors) return unit == "%" ? 0.01 : 0;
  if (metric == ThresholdMetric::rate) return unit.empty() || unit == "/s" ? 1 : 0;
  if (unit == "us") return 1;
  if (unit == "ms") return 1e3;
  if (unit == "s") return 1e6;
  return 0;
}

std::string_view unit_words(ThresholdMetric metric) {
  if (metric == ThresholdMetric::errors) return "a percentage, such as errors<1%";
  if (metric == ThresholdMetric::rate) return "answers per second, such as rate>5000";
  return "us, ms or s, such as p99<200ms";
}

}  // namespace

Result<Threshold> parse_threshold(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return Status::invalid_argument(fmt::format("--threshold '{}': {}", text, why));
  };
  if (text.size() > threshold_text_bytes_max) {
    return Status::invalid_argument(
        fmt::format("--threshold: at most {} characters", threshold_text_bytes_max));
  }
  Threshold threshold{std::string(text), {}, {}, 0};
  std::string_view rest = text;
  const auto name = std::find_if(metric_names.begin(), metric_names.end(),
                                 [&](const MetricName& m) { return rest.starts_with(m.name); });
  if (name == metric_names.end()) {
    return invalid("starts with p50, p90, p95, p99, p99.9, max, mean, errors or rate");
  }
  threshold.metric = name->metric;
  rest.remove_prefix(name->name.size());
  const auto comparison = std::find_if(comparisons.begin(), comparisons.end(),
                                       [&](const auto& c) { return rest.starts_with(c.first); });
  if (comparison == comparisons.end()) return invalid("needs <, <=, > or >= after the name");
  threshold.comparison = comparison->second;
  rest.remove_prefix(comparison->first.size());
  double number = 0;
  const auto parsed =
      std::from_chars(rest.data(), rest.data() + rest.size(), number, std::chars_format::fixed);
  if (parsed.ec != std::errc{} || rest.empty() || !std::isfinite(number) || number < 0 ||
      number > limit_max || rest.front() == '-' || rest.front() == '+') {
    return invalid(fmt::format("needs a number from 0 to {:.0f} after the comparison", limit_max));
  }
  const double factor = unit_factor(
      threshold.metric, rest.substr(static_cast<std::size_t>(parsed.ptr - rest.data())));
  if (factor == 0) return invalid(fmt::format("the unit must be {}", unit_words(threshold.metric)));
  threshold.limit = number * factor;
  if (threshold.metric == ThresholdMetric::errors && threshold.limit > 1) {
    return invalid("a share of errors is at most 100%");
  }
  return threshold;
}

ThresholdVerdict judge(const Threshold& threshold, const RunFigures& figures) {
  LOKET_ASSERT(figures.latency != nullptr);
  double measured = 0;
  std::string measured_text;
  const ThresholdMetric metric = threshold.metric;
  if (is_latency(metric)) {
    const auto name = std::find_if(metric_names.begin(), metric_names.end(),
                                   [&](const MetricName& m) { return m.metric == metric; });
    measured = metric == ThresholdMetric::max ? static_cast<double>(figures.latency->max())
               : metric == ThresholdMetric::mean
                   ? figures.latency->mean()
                   : static_cast<double>(figures.latency->percentile(name->percentile));
    measured_text = fmt::format("{:.2f}ms", measured / 1e3);
  } else if (metric == ThresholdMetric::errors) {
    // Nothing attempted is no evidence of health: count it as all errors.
    measured = figures.attempts == 0
                   ? 1.0
                   : static_cast<double>(figures.errors) / static_cast<double>(figures.attempts);
    measured_text = fmt::format("{:.3f}%", measured * 100);
  } else {
    measured = figures.answers_per_second;
    measured_text = fmt::format("{:.0f}/s", measured);
  }
  bool met = false;
  switch (threshold.comparison) {
    case Comparison::less:
      met = measured < threshold.limit;
      break;
    case Comparison::less_or_equal:
      met = measured <= threshold.limit;
      break;
    case Comparison::greater:
      met = measured > threshold.limit;
      break;
    case Comparison::greater_or_equal:
      met = measured >= threshold.limit;
      break;
  }
  return ThresholdVerdict{threshold.text, std::move(measured_text), met};
}

}  // namespace loket
