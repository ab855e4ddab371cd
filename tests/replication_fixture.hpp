// What the tests of replication/ share: one etcd member, node elections, and a leader's
// Sequencer over a ReplicatedLog on a new journal of tiny_scheme.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cluster/election.hpp"
#include "cluster/etcd_log.hpp"
#include "core/sequencer.hpp"
#include "tests/etcd_test.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {

inline const EtcdLogKeys tiny_log_keys{"/loket/tiny/"};

std::unique_ptr<EtcdClient> etcd_client_on_heap(const EtcdCluster& cluster);

// A node elected leader, with the client its election uses.
struct Leader {
  std::unique_ptr<EtcdClient> election_client;
  std::optional<LeaderElection> election;
  std::int64_t epoch = 0;
};
Leader elect(const EtcdCluster& cluster, std::string name);

// The leader's replicated log on `journal`, after the journal's last sequence.
std::unique_ptr<DurableLog> replicated_log_of(const EtcdCluster& cluster, Journal& journal,
                                              std::int64_t epoch,
                                              std::uint64_t durable_through = 0);

// Submits `count` registrations and hands them to the log; returns the last sequence.
std::uint64_t submit(Sequencer& sequencer, std::size_t count);

// One etcd member, and node "a" leading with a Sequencer over a new journal in
// folder.path("journal").
struct ReplicatedLeader {
  ReplicatedLeader();
  ~ReplicatedLeader();
  // Stops the Sequencer and closes the journal, as a process that ends.
  void stop();
  std::string journal_folder() const { return folder.path("journal"); }

  EtcdCluster cluster{1};
  TempFolder folder{"replicated"};
  std::unique_ptr<Journal> journal;
  Leader leader;
  std::unique_ptr<Sequencer> sequencer;
};

}  // namespace loket::testing
