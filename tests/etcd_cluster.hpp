// Real etcd members for the tests of cluster/: one member or a cluster of three, on free
// loopback ports, with their data in a new temporary folder. The constructor returns once
// every member is healthy (has a leader); the destructor SIGKILLs whatever still runs, reaps
// it and removes the folder, so a failed test leaves no process and no file behind.
//
// Members run with short Raft timings (heartbeat 50 ms, election 500 ms) so that a lost
// leader is replaced in about a second; fsync stays on, as in production.
//
// Nothing here uses Catch2; failures to start are std::runtime_error with the members' logs.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/child_process.hpp"

namespace loket::testing {

// The etcd program on PATH; nothing when it is not installed (scripts/install-deps.sh
// installs it).
std::optional<std::string> find_etcd_program();

class EtcdCluster {
 public:
  explicit EtcdCluster(std::size_t members);
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  std::size_t size() const { return client_urls_.size(); }
  const std::string& client_url(std::size_t member) const { return client_urls_.at(member); }
  const std::vector<std::string>& client_urls() const { return client_urls_; }
  // SIGKILL, and wait until the process is gone.
  void kill_member(std::size_t member);
  bool running(std::size_t member) const;
  // Every member's output, for a failure message.
  std::string logs() const;

 private:
  void start(const std::string& program, std::size_t members);
  bool wait_healthy() const;
  void stop_all();

  std::filesystem::path folder_;
  std::vector<std::string> client_urls_;
  std::vector<std::unique_ptr<ChildProcess>> members_;
};

}  // namespace loket::testing
