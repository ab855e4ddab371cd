#include "app/cluster_leadership.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "replication/replicated_log.hpp"

namespace loket {

using namespace cluster_limits;

Status check_cluster_options(const ClusterOptions& options) {
  const std::string& name = options.node_name;
  if (name.empty() || name.size() > node_name_bytes_max ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          std::string::npos) {
    return Status::invalid_argument(
        fmt::format("--node {:?}: a cluster node needs a name of 1 to {} letters, digits, '.', "
                    "'_' or '-'",
                    name.substr(0, node_name_bytes_max + 1), node_name_bytes_max));
  }
  const std::string& url = options.advertise_url;
  const bool visible =
      std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (url.size() > advertise_url_bytes_max || !visible ||
      !(url.starts_with("http://") || url.starts_with("https://"))) {
    return Status::invalid_argument(fmt::format(
        "--advertise {:?}: a URL of at most {} visible ASCII bytes starting with http:// or "
        "https://",
        url.substr(0, 200), advertise_url_bytes_max));
  }
  if (options.lease_ttl_seconds < 1 || options.lease_ttl_seconds > 3600) {
    return Status::invalid_argument(
        fmt::format("--lease-ttl {}: between 1 and 3600 seconds", options.lease_ttl_seconds));
  }
  return Status::ok();
}

Result<std::unique_ptr<ClusterLeadership>> ClusterLeadership::create(const ClusterOptions& options,
                                                                     const std::string& scheme_id) {
  if (Status checked = check_cluster_options(options); !checked.is_ok()) return checked;
  Result<EtcdClient> client = EtcdClient::create({options.endpoints});
  if (!client.ok()) return Status::invalid_argument("--cluster: " + client.status().message());
  EtcdLogKeys keys{fmt::format("/loket/{}/", scheme_id)};
  return std::unique_ptr<ClusterLeadership>(
      new ClusterLeadership(options, std::move(keys), std::move(*client)));
}

ClusterLeadership::ClusterLeadership(const ClusterOptions& options, EtcdLogKeys keys,
                                     EtcdClient election_client)
    : options_(options),
      keys_(std::move(keys)),
      election_client_(std::make_unique<EtcdClient>(std::move(election_client))) {}

ClusterLeadership::~ClusterLeadership() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_requested_.notify_all();
  if (node_thread_.joinable()) node_thread_.join();
  if (upkeep_thread_.joinable()) upkeep_thread_.join();
  if (election_ && epoch() != 0 && !stopped()) (void)election_->resign();
}

void ClusterLeadership::stop_following() {
  std::unique_lock lock(mutex_);
  stop_following_ = true;
  stop_requested_.notify_all();
  phase_changed_.wait(lock, [this] { return !following_; });
}

bool ClusterLeadership::wait_or_stop(std::chrono::milliseconds interval, bool following) {
  std::unique_lock lock(mutex_);
  return stop_requested_.wait_for(lock, interval,
                                  [&] { return stopping_ || (following && stop_following_); });
}

Result<CaughtUp> ClusterLeadership::catch_up(const std::string& directory,
                                             const std::string& scheme_text,
                                             const RecoveryOptions& recovery) {
  Result<EtcdClient> client = EtcdClient::create({options_.endpoints});
  if (!client.ok()) return client.status();
  // Holds back trimming from the start: the leader keeps every chunk until this node says
  // how far it got (a restarted node's journal may need them).
  const Status announced = publish_node_status(
      *client, keys_, NodeStatus{options_.node_name, options_.advertise_url, "follower", 0, 0, 0});
  if (!announced.is_ok()) return announced;
  Result<CaughtUp> caught_up = catch_up_from_etcd(directory, scheme_text, recovery, *client, keys_);
  if (caught_up.ok() || caught_up.status().code() != StatusCode::not_found) return caught_up;
  // A trim that read the node statuses before this node announced itself may have removed a
  // chunk it was about to read; none can now, so once more settles it.
  return catch_up_from_etcd(directory, scheme_text, recovery, *client, keys_);
}

DurableLogFactory ClusterLeadership::log_factory(std::string empty_head) {
  return
      [this, empty_head = std::move(empty_head)](
          Journal& journal, GroupCommitLimits limits, std::function<void(std::uint64_t)> on_durable,
          std::uint64_t durable_through) -> Result<std::unique_ptr<DurableLog>> {
        Result<EtcdClient> client = EtcdClient::create({options_.endpoints});
        if (!client.ok()) return client.status();
        auto owned = std::make_unique<EtcdClient>(std::move(*client));
        Result<EtcdLogWriter> writer = EtcdLogWriter::take_over(*owned, keys_, epoch(), empty_head);
        if (!writer.ok()) return writer.status();
        // One etcd transaction carries at most a chunk's worth of records per local batch.
        limits.batch_bytes_max = std::min(limits.batch_bytes_max, etcd_log_limits::chunk_bytes_max);
        Result<std::unique_ptr<ReplicatedLog>> log =
            ReplicatedLog::create(journal, limits, std::move(on_durable), durable_through,
                                  std::move(owned), std::move(*writer));
        if (!log.ok()) return log.status();
        return std::unique_ptr<DurableLog>(std::move(*log));
      };
}

void ClusterLeadership::on_stopped(std::function<void()> on_stopped) {
  std::unique_lock lock(mutex_);
  on_stopped_ = std::move(on_stopped);
  if (!stopped()) return;
  lock.unlock();
  on_stopped_();
}

std::string ClusterLeadership::problem() const {
  const std::lock_guard lock(mutex_);
  return problem_;
}

void ClusterLeadership::stop_with(std::string problem) {
  std::unique_lock lock(mutex_);
  if (stopped()) return;
  problem_ = std::move(problem);
  stopped_.store(true, std::memory_order_release);
  std::function<void()> callback = on_stopped_;
  lock.unlock();
  if (callback) callback();
}

// Renews three times per TTL. The lease is lost when etcd says it ended, or when no renewal
// got through for a whole TTL (etcd may have ended it without this node hearing). A leader
// whose pipeline failed (its log cannot write) resigns, so that another node leads at once.
void ClusterLeadership::renew(Pipeline& pipeline) {
  const auto interval = std::chrono::milliseconds(options_.lease_ttl_seconds * 1000 / 3);
  const auto ttl = std::chrono::seconds(options_.lease_ttl_seconds);
  auto renewed_at = elected_at_;  // the lease was renewed by the campaign
  while (!wait_or_stop(
      std::min<std::chrono::milliseconds>(interval, std::chrono::milliseconds(follow_interval_ms)),
      false)) {
    if (!pipeline.healthy()) {
      (void)election_->resign();
      return stop_with("its journal or its log in etcd cannot write; it resigned");
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - renewed_at < interval) continue;
    const Status renewed = election_->keep_alive();
    if (renewed.is_ok()) renewed_at = now;  // when it was sent: the lease runs from no later
    // A call that failed may have taken seconds (one timeout per member): judged after it.
    if (renewed.code() == StatusCode::not_found ||
        std::chrono::steady_clock::now() - renewed_at >= ttl) {
      return stop_with("it lost its lease and no longer leads");
    }
  }
}

}  // namespace loket
