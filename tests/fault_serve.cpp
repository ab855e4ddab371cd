// `loket serve` on a fault-injecting file system (testing/fault_injection.hpp), for the tests
// that break a real server's disk while it serves. It takes the serve options the tests need
// and reads commands on standard input, one a line:
//   fail-sync | fail-write | disk-full | stall-sync | slow-sync   that fault, from now on
//   clear                                             no fault
// and says "faults: COMMAND (command N)" on standard error once the command is in force, N
// counting the commands from 1, so that a test can wait for this one and not an earlier one.
//
//   loket_fault_serve --scheme S --data D --listen 127.0.0.1:0 --tokens T
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "app/serve_command.hpp"
#include "testing/fault_injection.hpp"

namespace {

bool apply_command(loket::StorageFaults& faults, const std::string& command) {
  if (command == "clear") {
    faults.fail_sync = false;
    faults.fail_write = false;
    faults.disk_full = false;
    faults.stall_sync = false;
    faults.slow_sync = false;
    return true;
  }
  std::atomic<bool>* fault = command == "fail-sync"    ? &faults.fail_sync
                             : command == "fail-write" ? &faults.fail_write
                             : command == "disk-full"  ? &faults.disk_full
                             : command == "stall-sync" ? &faults.stall_sync
                             : command == "slow-sync"  ? &faults.slow_sync
                                                       : nullptr;
  if (fault == nullptr) return false;
  fault->store(true);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"loket serve on a fault-injecting file system; faults by commands on stdin"};
  loket::ServeOptions options;
  app.add_option("--scheme", options.scheme_path)->required();
  app.add_option("--data", options.data_path)->required();
  app.add_option("--listen", options.listen)->required();
  app.add_option("--tokens", options.tokens_path)->required();
  CLI11_PARSE(app, argc, argv);

  loket::FaultInjectionEnv fault = loket::make_fault_injection_env();
  options.journal_options.env = fault.env.get();
  // Detached: it blocks reading stdin and ends with the process.
  std::thread([faults = fault.faults] {
    std::string command;
    for (int number = 1; std::getline(std::cin, command); ++number) {
      const bool known = apply_command(*faults, command);
      fmt::print(stderr, "faults: {} (command {}){}\n", command, number,
                 known ? "" : " (unknown, ignored)");
      std::fflush(stderr);
    }
  }).detach();
  return loket::run_serve(options, stderr);
}
