#include "app/cluster_leadership.hpp"

#include <fmt/format.h>

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
  if (url.size() > advertise_url_bytes_max ||
      !(url.starts_with("http://") || url.starts_with("https://"))) {
    return Status::invalid_argument(
        fmt::format("--advertise {:?}: a URL of at most {} bytes starting with http:// or https://",
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
  if (renewer_.joinable()) renewer_.join();
  if (election_ && !lost()) (void)election_->resign();
}

Status ClusterLeadership::wait_until_elected(std::FILE* log) {
  Result<LeaderElection> election = LeaderElection::create(
      *election_client_, keys_.election_key(), {options_.node_name, options_.advertise_url},
      options_.lease_ttl_seconds);
  if (!election.ok()) return election.status();
  election_.emplace(std::move(*election));
  std::string last_seen;
  for (;;) {
    const Result<Campaign> campaign = election_->campaign_once();
    if (campaign.ok() && campaign->elected) {
      epoch_ = campaign->leader->epoch;
      fmt::print(log, "loket serve: node {} leads the cluster (epoch {})\n", options_.node_name,
                 epoch_);
      renewer_ = std::thread([this] { renew(); });
      return Status::ok();
    }
    const std::string seen =
        !campaign.ok()     ? "etcd cannot be reached: " + campaign.status().message()
        : campaign->leader ? fmt::format("node {} at {} leads", campaign->leader->node.name,
                                         campaign->leader->node.url)
                           : "no node leads";
    if (seen != last_seen) {
      fmt::print(log, "loket serve: node {} waits to lead: {}\n", options_.node_name, seen);
      std::fflush(log);
      last_seen = seen;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(campaign_interval_ms));
  }
}

Result<CaughtUp> ClusterLeadership::catch_up(const std::string& directory,
                                             const std::string& scheme_text,
                                             const RecoveryOptions& recovery) {
  Result<EtcdClient> client = EtcdClient::create({options_.endpoints});
  if (!client.ok()) return client.status();
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
        Result<EtcdLogWriter> writer = EtcdLogWriter::take_over(*owned, keys_, epoch_, empty_head);
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

void ClusterLeadership::on_lost(std::function<void()> on_lost) {
  std::unique_lock lock(mutex_);
  on_lost_ = std::move(on_lost);
  if (!lost()) return;
  lock.unlock();
  on_lost_();
}

// Renews three times per TTL. The lease is lost when etcd says it ended, or when no renewal
// got through for a whole TTL (etcd may have ended it without this node hearing).
void ClusterLeadership::renew() {
  const auto interval = std::chrono::milliseconds(options_.lease_ttl_seconds * 1000 / 3);
  const auto ttl = std::chrono::seconds(options_.lease_ttl_seconds);
  auto renewed_at = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stop_requested_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    const Status renewed = election_->keep_alive();
    const auto now = std::chrono::steady_clock::now();
    if (renewed.is_ok()) renewed_at = now;
    lock.lock();
    if (renewed.code() == StatusCode::not_found || now - renewed_at >= ttl) {
      lost_.store(true, std::memory_order_release);
      if (on_lost_) on_lost_();
      return;
    }
  }
}

}  // namespace loket
