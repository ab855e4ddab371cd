// `loket demo`: all of loket in one command, for a newcomer. Starts a server in this
// process on a fresh data folder with the rehearsal of tranche 2 (55,000 places), prints the
// dashboard's address and this run's auditor token to watch it with, rehearses
// the opening (the opening-day profile, somewhat more registrations than places), closes
// the tranche as an operator would, stops the server, audits the journal, writes the HTML
// report and prints a short summary with its path.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace loket {

struct DemoOptions {
  std::string scheme_path = "schemes/rehearsal.toml";
  std::string tranche = "t2";
  std::string data_path;  // empty: a new folder data/demo-<time>
  std::uint64_t registrations = 60'000;
  std::size_t connections = 200;
  std::uint32_t duration_seconds = 30;  // the compressed opening day
  unsigned short port = 0;              // 0: any free port
  std::uint32_t linger_seconds = 0;     // the server stays up this long after the close
};

// 0 when the rehearsal's checks and the audit pass.
int run_demo(const DemoOptions& options, std::FILE* out, std::FILE* errors);

}  // namespace loket
