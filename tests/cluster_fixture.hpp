// What the tests of `loket serve --cluster` as real processes share: three etcd members on
// loopback and two loket nodes, "a" and "b", one leading and the other following.
#pragma once

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/child_process.hpp"
#include "tests/etcd_cluster.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {

// The members' client URLs, as --cluster takes them.
std::string endpoints_of(const EtcdCluster& etcd);

// Registers participants C-first .. C-(first + count - 1) in tranche t2 of the rehearsal
// scheme on the node at `port`; each must be acknowledged (201). Returns the receipts.
std::vector<boost::json::object> register_in_t2(unsigned short port, std::size_t first,
                                                std::size_t count);

std::uint64_t milliseconds_since(std::chrono::steady_clock::time_point then);

// Three etcd members, and nodes "a" and "b", both listening: "a" is elected first, "b"
// follows. `extra_arguments` are given to every node's `loket serve`.
struct TwoNodes {
  explicit TwoNodes(std::string scheme_file = source_path("schemes/rehearsal.toml"),
                    std::vector<std::string> extra_arguments = {});
  void start_node_at(std::size_t index);
  void start_follower(std::size_t index);
  // The follower, once it leads; how long after `since` it answered ready.
  std::uint64_t wait_for_new_leader(std::chrono::steady_clock::time_point since);
  // SIGKILLs the leader, waits for the other node to lead, and starts the killed one again
  // as a follower. Returns the failover time: the kill to the new leader's readiness.
  std::uint64_t fail_over();

  const std::string scheme;
  const std::vector<std::string> extra_arguments;
  EtcdCluster etcd{3};
  TempFolder folder{"cluster"};
  const std::array<std::string, 2> names{"a", "b"};
  std::array<std::unique_ptr<ChildProcess>, 2> nodes;
  std::array<unsigned short, 2> ports{};
  std::size_t leader = 0;
  unsigned short leader_port = 0;
};

}  // namespace loket::testing
