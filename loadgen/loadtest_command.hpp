// `loket loadtest`: rehearses a tranche opening against a loket server (or a portal with the
// same API), then checks the server's record: see load_client.hpp and load_checks.hpp.
// Exit 0 when every answer came and every check passed, 1 when a check failed, 2 on bad
// options or when the target cannot be reached.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace loket {

struct LoadtestOptions {
  std::string target = "http://127.0.0.1:8080";
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
  std::string report_path;  // a JSON file of the figures
  std::string run_id;       // empty: made from the clock
};

int run_loadtest(const LoadtestOptions& options, std::FILE* out, std::FILE* errors);

}  // namespace loket
