// `loket loadtest`: checks the settings against the server (preflight.hpp), rehearses a
// tranche opening against it (or a portal with the same API), then checks the server's record
// (load_checks.hpp) and the thresholds (thresholds.hpp), and reports (load_report.hpp).
// Exit codes, for a CI gate: 0 when every answer came, every check passed and every threshold
// was met; 1 when an answer was missing or a check failed; 2 on bad options, an unreachable
// target or a failed pre-flight (nothing was sent); 3 when only a threshold was not met.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace loket {

struct LoadtestOptions {
  std::string target = "http://127.0.0.1:8080";  // or https://
  std::string ca_file;  // https://: the server's CA (default: the system's)
  std::string tranche;
  std::uint64_t registrations = 10'000;
  std::size_t connections = 100;
  std::string profile = "flood";         // flood | opening-day | a CSV file of second,rate
  double time_scale = 0;                 // opening-day: 0 fits the day into --duration
  std::uint32_t duration_seconds = 300;  // the run stops sending after this
  std::string token = "dev-portal-token";
  std::string auditor_token = "dev-auditor-token";  // for the export; empty: no record check
  double duplicate_share = 0.01;
  double bad_share = 0.001;
  std::string report_path;              // a JSON file of the figures
  std::string html_report_path;         // a self-contained HTML page of them
  std::vector<std::string> thresholds;  // such as "p99<200ms"
  bool preflight = true;
  std::string run_id;  // empty: made from the clock
};

inline constexpr int loadtest_exit_threshold_missed = 3;

int run_loadtest(const LoadtestOptions& options, std::FILE* out, std::FILE* errors);

}  // namespace loket
