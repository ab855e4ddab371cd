// `loket serve --cluster`: a node's part in the cluster (docs/cluster.md). A node first makes
// its journal level with the log in etcd, then follows: a thread of its own offers the
// leader's chunks to the pipeline as they are committed, tells it where the leader is, and
// campaigns whenever no node leads. Once elected, it offers the log through its tail and
// promotes the pipeline, which leads from there under a replicated log fenced on this node's
// epoch; the thread then renews the lease. The node stops (on_stopped) when it can no longer
// go on: its lease is lost while it leads, its pipeline fails while it leads, or it cannot
// follow (the log was trimmed past it, or does not link to its journal). It must restart,
// catch up and follow again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/election.hpp"
#include "cluster/etcd_log.hpp"
#include "cluster/node_status.hpp"
#include "net/pipeline.hpp"
#include "replication/catch_up.hpp"

namespace loket {

namespace cluster_limits {
inline constexpr std::size_t node_name_bytes_max = 64;
inline constexpr std::size_t advertise_url_bytes_max = 2048;
inline constexpr std::int64_t lease_ttl_seconds_default = 2;
inline constexpr std::uint32_t follow_interval_ms = 50;  // between looks at the leader and log
// A follower offers no more chunks while this much waits for its pipeline (memory bound).
inline constexpr std::size_t follower_backlog_bytes_max = std::size_t{64} << 20;
inline constexpr std::uint32_t node_status_interval_ms = 1000;  // publishing where a node is
inline constexpr std::uint32_t trim_interval_ms = 10'000;       // the leader trimming the log
}  // namespace cluster_limits

struct ClusterOptions {
  std::vector<std::string> endpoints;  // etcd's client URLs; empty: a single node
  std::string node_name;               // [A-Za-z0-9._-], 1 to node_name_bytes_max
  std::string advertise_url;           // where clients reach this node
  std::int64_t lease_ttl_seconds = cluster_limits::lease_ttl_seconds_default;
};

// invalid_argument, naming the flag, when the options cannot make a cluster node.
Status check_cluster_options(const ClusterOptions& options);

class ClusterLeadership {
 public:
  // keys: the scheme's prefix in etcd, "/loket/SCHEME_ID/".
  static Result<std::unique_ptr<ClusterLeadership>> create(const ClusterOptions& options,
                                                           const std::string& scheme_id);
  ~ClusterLeadership();  // stop_following(), stops renewing and resigns if it leads

  // The journal recovered and level with etcd's log (replication/catch_up.hpp).
  Result<CaughtUp> catch_up(const std::string& directory, const std::string& scheme_text,
                            const RecoveryOptions& recovery);
  // Makes the replicated log, taking over etcd's log under this node's epoch.
  DurableLogFactory log_factory(std::string empty_head);
  // Starts following from chunk log_chunks + 1 (catch_up's), with a pipeline made as a
  // follower with log_factory(); once. The pipeline must outlive stop_following().
  void follow(Pipeline& pipeline, std::uint64_t log_chunks, std::FILE* log);
  // Stops following, if this node does not lead yet; returns once the pipeline is no longer
  // touched. A leader keeps renewing its lease until destroyed.
  void stop_following();
  // on_stopped runs once when the node stops (see above), on this class's threads; at once if
  // it stopped already. problem(): why, once stopped.
  void on_stopped(std::function<void()> on_stopped);
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  std::string problem() const;
  std::int64_t epoch() const { return epoch_.load(std::memory_order_acquire); }

 private:
  ClusterLeadership(const ClusterOptions& options, EtcdLogKeys keys, EtcdClient election_client);
  // The follower's loop and its steps (cluster_follow.cpp).
  void follow_until_elected(Pipeline& pipeline, std::uint64_t log_chunks);
  Result<bool> follow_once(Pipeline& pipeline, std::uint64_t& log_chunks);
  // `whole`: through the tail whatever waits (a node about to lead needs all of it).
  Status offer_through_tail(Pipeline& pipeline, std::uint64_t& log_chunks, bool whole);
  // Upkeep, every node_status_interval_ms (cluster_upkeep.cpp): says where this node is,
  // refreshes the pipeline's view of the cluster, and, on the leader, trims the log.
  void upkeep(Pipeline& pipeline, bool leads, EtcdClient& client);
  // A leader's upkeep, on a thread and etcd client of its own: a slow etcd call there must
  // not hold up the renewal of the lease.
  void lead_upkeep(Pipeline& pipeline);
  std::string cluster_status_json(const std::vector<NodeStatus>& nodes) const;
  void trim_log(const std::vector<NodeStatus>& nodes, EtcdClient& client);
  void defragment_as_needed();
  void renew(Pipeline& pipeline);
  Result<bool> campaign(Pipeline& pipeline, std::uint64_t& log_chunks);
  void stop_with(std::string problem);
  // Waits `interval`; true once asked to stop (or to stop following, when `following`).
  bool wait_or_stop(std::chrono::milliseconds interval, bool following);

  const ClusterOptions options_;
  const EtcdLogKeys keys_;
  std::unique_ptr<EtcdClient> election_client_;  // the node thread's
  std::optional<LeaderElection> election_;
  std::atomic<std::int64_t> epoch_{0};  // 0: never elected
  std::atomic<bool> stopped_{false};
  mutable std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;        // guarded by mutex_: the destructor's
  bool stop_following_ = false;  // guarded by mutex_: stop_following()'s
  bool following_ = false;       // guarded by mutex_: the thread may touch the pipeline
  std::condition_variable phase_changed_;
  std::string problem_;               // guarded by mutex_
  std::function<void()> on_stopped_;  // guarded by mutex_
  std::FILE* log_ = stderr;           // follow()'s: where the node's threads say what they do
  std::thread node_thread_;
  std::thread upkeep_thread_;                           // a leader's
  std::chrono::steady_clock::time_point elected_at_{};  // the campaign that won: the lease's start
  // The node thread's own: what it last read, and which offered chunks are durable yet.
  std::optional<LeaderSeen> leader_seen_;
  EtcdLogTail tail_seen_;
  struct OfferedThrough {
    std::uint64_t chunks;
    std::uint64_t sequence;  // the last sequence in chunks 1..chunks
  };
  std::deque<OfferedThrough> offered_;
  std::uint64_t durable_chunks_ = 0;  // chunks 1..durable_chunks_ are durable in the journal
  std::uint64_t trimmed_before_ = 0;
  std::chrono::steady_clock::time_point next_status_{};
  std::chrono::steady_clock::time_point next_trim_{};
  std::unique_ptr<EtcdClient> defragment_client_;  // the upkeep thread's
  int defragment_rounds_to_skip_ = 0;
};

}  // namespace loket
