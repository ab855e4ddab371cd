// `loket serve --cluster`: how a node comes to lead (docs/cluster.md). It campaigns until it
// is elected, catches its journal up with the log in etcd, and gives the pipeline a replicated
// log fenced on its epoch. While it leads, a thread of its own renews the lease; once the lease
// is lost (not renewed within its TTL, or ended by etcd) it calls on_lost, and the node stops:
// it must restart, and follow or lead again after catching up.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/election.hpp"
#include "cluster/etcd_log.hpp"
#include "net/pipeline.hpp"
#include "replication/catch_up.hpp"

namespace loket {

namespace cluster_limits {
inline constexpr std::size_t node_name_bytes_max = 64;
inline constexpr std::size_t advertise_url_bytes_max = 2048;
inline constexpr std::int64_t lease_ttl_seconds_default = 2;
inline constexpr std::uint32_t campaign_interval_ms = 200;
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
  ~ClusterLeadership();  // stops renewing and resigns, so that another node is elected at once

  // Campaigns every campaign_interval_ms until this node leads; prints who leads meanwhile.
  // From then on a thread of its own renews the lease (catching up takes longer than a TTL).
  Status wait_until_elected(std::FILE* log);
  // The journal recovered and level with etcd's log (replication/catch_up.hpp).
  Result<CaughtUp> catch_up(const std::string& directory, const std::string& scheme_text,
                            const RecoveryOptions& recovery);
  // Makes the replicated log, taking over etcd's log under this node's epoch.
  DurableLogFactory log_factory(std::string empty_head);
  // on_lost runs once when the lease is lost, on the renewing thread; at once if it was lost
  // already.
  void on_lost(std::function<void()> on_lost);
  bool lost() const { return lost_.load(std::memory_order_acquire); }
  std::int64_t epoch() const { return epoch_; }

 private:
  ClusterLeadership(const ClusterOptions& options, EtcdLogKeys keys, EtcdClient election_client);
  void renew();

  const ClusterOptions options_;
  const EtcdLogKeys keys_;
  std::unique_ptr<EtcdClient> election_client_;
  std::optional<LeaderElection> election_;
  std::int64_t epoch_ = 0;
  std::atomic<bool> lost_{false};
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stopping_ = false;
  std::function<void()> on_lost_;  // guarded by mutex_
  std::thread renewer_;
};

}  // namespace loket
