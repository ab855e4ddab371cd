#include "loadgen/load_report.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace loket {
namespace {

namespace json = boost::json;

void print_outcomes(std::FILE* out, const LoadResult& result) {
  std::string statuses;
  for (const auto& [status, count] : result.answers_by_status) {
    statuses += fmt::format("  {} {}", status == 0 ? "no-answer" : std::to_string(status), count);
  }
  fmt::print(out, "  answers by status:{}  (sent as duplicates {}, as bad requests {})\n", statuses,
             result.duplicates_sent, result.bad_sent);
  std::string decisions;
  for (const auto& [decision, count] : result.decisions) {
    decisions += fmt::format("  {} {}", decision, count);
  }
  fmt::print(out, "  decisions:{}\n", decisions);
  for (const auto& [type, count] : result.problems)
    fmt::print(out, "  problem {} {}\n", type, count);
  for (const std::string& error : result.transport_errors) {
    fmt::print(out, "  connection error: {}\n", error);
  }
}

json::object latency_json(const LatencyHistogramUs& latency) {
  return {{"p50", latency.percentile(50)},
          {"p90", latency.percentile(90)},
          {"p95", latency.percentile(95)},
          {"p99", latency.percentile(99)},
          {"p99_9", latency.percentile(99.9)},
          {"max", latency.max()},
          {"mean", latency.mean()}};
}

}  // namespace

std::uint64_t error_answers(const LoadResult& result) {
  std::uint64_t errors = 0;
  for (const auto& [status, count] : result.answers_by_status) {
    if (status == 0 || status == 429 || status >= 500) errors += count;
  }
  return errors;
}

std::uint64_t attempts(const LoadResult& result) {
  return result.sent + result.connect_failures;
}

std::string milliseconds_text(std::uint64_t microseconds) {
  return fmt::format("{:.2f} ms", static_cast<double>(microseconds) / 1000.0);
}

double answers_per_second(const LoadResult& result) {
  return result.elapsed_seconds > 0
             ? static_cast<double>(result.latency.count()) / result.elapsed_seconds
             : 0.0;
}

void print_report(std::FILE* out, const LoadReport& report) {
  const LoadResult& result = report.result;
  const LatencyHistogramUs& latency = result.latency;
  fmt::print(out, "  sent {}, answered {} in {:.2f} s: {:.0f} answers per second{}\n", result.sent,
             latency.count(), result.elapsed_seconds, answers_per_second(result),
             result.stopped_by_duration ? " (stopped at --duration)" : "");
  std::string percentiles;
  for (const auto& [name, percent] : reported_percentiles) {
    percentiles += fmt::format("  {} {}", name, milliseconds_text(latency.percentile(percent)));
  }
  fmt::print(out, "  acknowledgement latency{}:{}  max {}  mean {:.2f} ms\n",
             report.options.profile == "flood" ? "" : " (from when each was due)", percentiles,
             milliseconds_text(latency.max()), latency.mean() / 1000.0);
  print_outcomes(out, result);
  if (const RunCheck* check = report.check) {
    fmt::print(out, "  check: {} {} granted of {}; {} receipts compared with the server's record\n",
               check->granted_units, check->unit, check->capacity_units, check->receipts_checked);
    for (const std::string& failure : check->failures) fmt::print(out, "  FAILED: {}\n", failure);
  }
  for (const ThresholdVerdict& verdict : report.verdicts) {
    fmt::print(out, "  threshold {}: {} {}\n", verdict.text, verdict.measured,
               verdict.met ? "met" : "NOT MET");
  }
}

std::string report_json(const LoadReport& report) {
  const LoadtestOptions& options = report.options;
  const LoadResult& result = report.result;
  json::object statuses;
  for (const auto& [status, count] : result.answers_by_status) {
    statuses[std::to_string(status)] = count;
  }
  json::object decisions;
  for (const auto& [decision, count] : result.decisions) decisions[decision] = count;
  json::array thresholds;
  for (const ThresholdVerdict& verdict : report.verdicts) {
    thresholds.push_back(
        {{"threshold", verdict.text}, {"measured", verdict.measured}, {"met", verdict.met}});
  }
  json::array intervals;
  for (const LoadInterval& interval : result.intervals) {
    intervals.push_back({{"end_seconds", interval.end_seconds},
                         {"answered", interval.answered},
                         {"errors", interval.errors},
                         {"p50_us", interval.p50_us},
                         {"p99_us", interval.p99_us}});
  }
  json::object body{
      {"started_at", report.started_at},
      {"target", options.target},
      {"tranche", options.tranche},
      {"profile", options.profile},
      {"registrations", options.registrations},
      {"connections", options.connections},
      {"duration_seconds", options.duration_seconds},
      {"sent", result.sent},
      {"answered", result.latency.count()},
      {"duplicates_sent", result.duplicates_sent},
      {"bad_sent", result.bad_sent},
      {"elapsed_seconds", result.elapsed_seconds},
      {"stopped_by_duration", result.stopped_by_duration},
      {"answers_per_second", answers_per_second(result)},
      {"errors", error_answers(result)},
      {"connect_failures", result.connect_failures},
      {"passed", report.exit_code == 0},
      {"exit_code", report.exit_code},
      {"latency_us", latency_json(result.latency)},
      {"answers_by_status", std::move(statuses)},
      {"decisions", std::move(decisions)},
      {"checked", report.check != nullptr},
      {"failures", report.check ? json::value(json::value_from(report.check->failures))
                                : json::value(json::array{})},
      {"thresholds", std::move(thresholds)},
      {"intervals", std::move(intervals)}};
  return json::serialize(body) + "\n";
}

}  // namespace loket
