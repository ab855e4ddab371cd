// Electing the one node that writes: a lease and one key in etcd (docs/cluster.md). A node
// campaigns by creating the election key under its own lease, if the key is absent; the node
// whose key exists leads, for as long as its lease is kept alive. Its epoch is the key's
// create_revision: it grows with every new leader and fences the leader's writes to the log
// (cluster/etcd_log.hpp), so that a leader that lost its lease can no longer append, even if
// it has not noticed yet.
//
//   Result<LeaderElection> election =
//       LeaderElection::create(client, "/loket/nl-leert-door/leader", me, 2);
//   Result<Campaign> campaign = election->campaign_once();
//   if (campaign.ok() && campaign->elected) ... keep_alive() at least every ttl/3 ...
//
// Threads: one caller at a time, like the EtcdClient it uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.hpp"
#include "cluster/etcd_client.hpp"

namespace loket {

// Who a node is, as the election key holds it: its name and the URL clients reach it at.
struct NodeIdentity {
  std::string name;
  std::string url;
};

// The current leader as etcd holds it.
struct LeaderSeen {
  NodeIdentity node;
  std::int64_t epoch = 0;     // the election key's create_revision
  std::int64_t lease_id = 0;  // the lease the key lives under
};

// One campaign's outcome: this node leads (elected, at `leader.epoch`), or another does, or
// nobody does right now (leader is empty: its key just went; campaign again).
struct Campaign {
  bool elected = false;
  std::optional<LeaderSeen> leader;
};

class LeaderElection {
 public:
  // lease_ttl_seconds: how long a leader that stopped renewing keeps the key, and so the
  // longest a dead leader blocks writes; within [1, etcd's largest TTL]. The key must not be
  // empty. `client` must outlive the election.
  static Result<LeaderElection> create(EtcdClient& client, std::string election_key,
                                       NodeIdentity me, std::int64_t lease_ttl_seconds);

  // Creates the election key under this node's lease when no node holds it. Renews the lease
  // this node has first, or grants one when it has none (or the one it had has ended), so that
  // a node elected has a whole TTL before its first renewal is due. A write whose outcome is
  // unknown is decided by reading the key back: it is this node's when it names its lease.
  Result<Campaign> campaign_once();
  // Renews the lease once; not_found once it has ended (this node no longer leads, whatever
  // it believed). Call at least every lease_ttl_seconds / 3.
  Status keep_alive();
  // Ends the lease, and with it the key, so that another node is elected at once.
  Status resign();
  // Reads the election key.
  Result<std::optional<LeaderSeen>> leader();

  const std::string& election_key() const { return election_key_; }
  std::int64_t lease_ttl_seconds() const { return lease_ttl_seconds_; }

 private:
  LeaderElection(EtcdClient& client, std::string election_key, NodeIdentity me,
                 std::int64_t lease_ttl_seconds);
  Result<Campaign> decide_by_reading();

  EtcdClient* client_;
  std::string election_key_;
  NodeIdentity me_;
  std::int64_t lease_ttl_seconds_;
  std::int64_t lease_id_ = 0;  // 0: none granted, or the last one ended
};

// Who leads as etcd holds it now: the election key read and decoded (none while it is absent);
// corruption when its value is not a node identity. LeaderElection::leader() for a campaigner.
Result<std::optional<LeaderSeen>> read_leader(EtcdClient& client, const std::string& election_key);

// The election key's value: the node's name and URL as a JSON object, and back.
std::string encode_node_identity(const NodeIdentity& node);
Result<NodeIdentity> decode_node_identity(std::string_view value);

}  // namespace loket
