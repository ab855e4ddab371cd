// What `loket loadtest` reports of a run: the lines on the terminal, the JSON file
// (--report) and a self-contained HTML page (--html-report) with the rate, the latency and
// the errors over time, the statuses and decisions, the record check, the thresholds and the
// settings. All three show the same figures.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "loadgen/load_checks.hpp"
#include "loadgen/load_client.hpp"
#include "loadgen/loadtest_command.hpp"
#include "loadgen/thresholds.hpp"

namespace loket {

struct LoadReport {
  const LoadtestOptions& options;
  const LoadResult& result;
  const RunCheck* check = nullptr;  // nothing when the record was not checked
  std::vector<ThresholdVerdict> verdicts;
  std::string started_at;  // RFC 3339
};

// Answers without one (a failed connection) and 5xx answers: what --threshold errors counts.
std::uint64_t error_answers(const LoadResult& result);
double answers_per_second(const LoadResult& result);

void print_report(std::FILE* out, const LoadReport& report);
std::string report_json(const LoadReport& report);
std::string report_html(const LoadReport& report);  // load_report_html.cpp

}  // namespace loket
