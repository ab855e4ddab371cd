// What `loket loadtest` reports of a run: the lines on the terminal, the JSON file
// (--report) and a self-contained HTML page (--html-report) with the rate, the latency and
// the errors over time, the statuses and decisions, the record check, the thresholds and the
// settings. All three show the same figures.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loadgen/load_checks.hpp"
#include "loadgen/load_client.hpp"
#include "loadgen/loadtest_command.hpp"
#include "loadgen/thresholds.hpp"

namespace loket {

// The latency percentiles every report gives, by name.
inline constexpr std::pair<std::string_view, double> reported_percentiles[] = {
    {"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p99.9", 99.9}};

struct LoadReport {
  const LoadtestOptions& options;
  const LoadResult& result;
  const RunCheck* check = nullptr;  // nothing when the record was not checked
  std::vector<ThresholdVerdict> verdicts;
  std::string started_at;  // RFC 3339
  int exit_code = 0;       // loadtest_command.hpp: the run's verdict, the same in every report
};

// What --threshold errors counts: no answer (a failed connection), 429 and 5xx answers...
std::uint64_t error_answers(const LoadResult& result);
// ...of every registration's turn: those sent and those that found no connection.
std::uint64_t attempts(const LoadResult& result);
std::string milliseconds_text(std::uint64_t microseconds);  // "12.34 ms"
double answers_per_second(const LoadResult& result);

void print_report(std::FILE* out, const LoadReport& report);
std::string report_json(const LoadReport& report);
std::string report_html(const LoadReport& report);  // load_report_html.cpp

}  // namespace loket
