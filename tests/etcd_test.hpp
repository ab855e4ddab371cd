// What the Catch2 tests against real etcd share: skipping, with a warning, where etcd is not
// installed, a client of a cluster's members, and waiting for what etcd does in its own time.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "cluster/etcd_client.hpp"
#include "tests/etcd_cluster.hpp"

namespace loket::testing {

// True, with a warning, when etcd is not installed: the test then returns at once.
inline bool etcd_missing() {
  if (find_etcd_program()) return false;
  WARN("etcd is not installed (scripts/install-deps.sh installs etcd-server): skipped");
  return true;
}

inline EtcdClient etcd_client_of(const std::vector<std::string>& endpoints) {
  Result<EtcdClient> client = EtcdClient::create({endpoints});
  if (!client.ok()) FAIL(client.status().message());
  return std::move(*client);
}

// Generous: only a hang ends a wait; a slow machine just takes longer.
inline constexpr std::chrono::milliseconds hang_timeout{120'000};

// Calls `done` every `interval` until it returns true; fails the test after hang_timeout.
template <typename Done>
void poll_until(Done done, std::chrono::milliseconds interval = std::chrono::milliseconds(200)) {
  const auto deadline = std::chrono::steady_clock::now() + hang_timeout;
  while (!done()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace loket::testing
