// A cluster node's thread (app/cluster_leadership.hpp): following the leader's log until this
// node is elected, then promoting its pipeline and renewing its lease.
#include <fmt/format.h>

#include "app/cluster_leadership.hpp"

namespace loket {

using namespace cluster_limits;

void ClusterLeadership::follow(Pipeline& pipeline, std::uint64_t log_chunks, std::FILE* log) {
  {
    const std::lock_guard lock(mutex_);
    following_ = true;
  }
  durable_chunks_ = log_chunks;  // catch-up synced them
  log_ = log;
  node_thread_ = std::thread([this, &pipeline, log_chunks] {
    follow_until_elected(pipeline, log_chunks);
    {
      const std::lock_guard lock(mutex_);
      following_ = false;
    }
    phase_changed_.notify_all();
    if (epoch() == 0 || stopped()) return;
    upkeep_thread_ = std::thread([this, &pipeline] { lead_upkeep(pipeline); });
    renew(pipeline);
  });
}

void ClusterLeadership::follow_until_elected(Pipeline& pipeline, std::uint64_t log_chunks) {
  Result<LeaderElection> election = LeaderElection::create(
      *election_client_, keys_.election_key(), {options_.node_name, options_.advertise_url},
      options_.lease_ttl_seconds);
  if (!election.ok()) return stop_with(election.status().message());
  election_.emplace(std::move(*election));
  std::string last_problem;
  do {
    const Result<bool> elected = follow_once(pipeline, log_chunks);
    if (stopped() || (elected.ok() && *elected)) return;
    const std::string problem = elected.ok() ? "" : elected.status().message();
    if (problem != last_problem && !problem.empty()) {
      fmt::print(log_, "loket serve: node {} cannot follow right now: {}\n", options_.node_name,
                 problem);
      std::fflush(log_);
    }
    last_problem = problem;
  } while (!wait_or_stop(std::chrono::milliseconds(follow_interval_ms), true));
}

// One look at etcd: the log's new chunks, and who leads (campaigning when nobody does and
// this node has everything the log holds). True once this node was elected and its pipeline
// promoted.
Result<bool> ClusterLeadership::follow_once(Pipeline& pipeline, std::uint64_t& log_chunks) {
  if (!pipeline.healthy()) {
    stop_with("it cannot apply the cluster's log (see above)");
    return false;
  }
  if (Status offered = offer_through_tail(pipeline, log_chunks, false); !offered.is_ok()) {
    if (offered.code() == StatusCode::not_found) stop_with(offered.message());
    return offered;
  }
  Result<std::optional<LeaderSeen>> seen = election_->leader();
  if (!seen.ok()) return seen.status();
  if (!*seen && log_chunks == tail_seen_.chunks) {
    const Result<bool> elected = campaign(pipeline, log_chunks);
    if (!elected.ok() || *elected) return elected;
    seen = election_->leader();
    if (!seen.ok()) return seen.status();
  }
  leader_seen_ = *seen;
  const std::string url = *seen ? (*seen)->node.url : std::string();
  if (url != pipeline.leader_url()) {
    fmt::print(log_, "loket serve: node {} follows: {}\n", options_.node_name,
               *seen ? fmt::format("node {} at {} leads", (*seen)->node.name, url)
                     : std::string("no node leads"));
    std::fflush(log_);
    pipeline.set_leader_url(url);
  }
  upkeep(pipeline, false, *election_client_);
  return false;
}

// Campaigns; once elected, offers what the log gained since the last look (no other node can
// extend it now) and promotes the pipeline. A failure to read the log then gives the lease up
// again and goes on following.
Result<bool> ClusterLeadership::campaign(Pipeline& pipeline, std::uint64_t& log_chunks) {
  const auto campaigned_at = std::chrono::steady_clock::now();
  const Result<Campaign> campaign = election_->campaign_once();
  if (!campaign.ok()) return campaign.status();
  if (!campaign->elected) return false;
  epoch_.store(campaign->leader->epoch, std::memory_order_release);
  fmt::print(log_, "loket serve: node {} was elected (epoch {}); catching up to lead\n",
             options_.node_name, epoch());
  std::fflush(log_);
  pipeline.set_leader_url({});
  if (Status offered = offer_through_tail(pipeline, log_chunks, true); !offered.is_ok()) {
    (void)election_->resign();
    epoch_.store(0, std::memory_order_release);
    if (offered.code() == StatusCode::not_found) stop_with(offered.message());
    return offered;
  }
  pipeline.promote();
  elected_at_ = campaigned_at;
  // A trim waits one interval, for the nodes starting with this one to say where they are.
  next_trim_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(trim_interval_ms);
  next_status_ = {};  // says at once that it leads
  return true;
}

// Offers the chunks after log_chunks through the log's tail now, or as many as the backlog
// takes.
Status ClusterLeadership::offer_through_tail(Pipeline& pipeline, std::uint64_t& log_chunks,
                                             bool whole) {
  const Result<EtcdLogTail> tail = read_etcd_log_tail(*election_client_, keys_);
  if (!tail.ok()) return tail.status();
  tail_seen_ = *tail;
  if (log_chunks < tail->chunks) offered_.push_back({tail->chunks, tail->last_sequence});
  while (log_chunks < tail->chunks &&
         (whole || pipeline.offered_bytes_pending() < follower_backlog_bytes_max)) {
    Result<std::vector<std::string>> chunks =
        read_etcd_log_chunks(*election_client_, keys_, log_chunks + 1, tail->chunks);
    if (!chunks.ok()) {
      if (chunks.status().code() != StatusCode::not_found) return chunks.status();
      return Status::not_found(fmt::format(
          "the cluster's log was trimmed past chunk {}, where this node is: seed it from a copy "
          "of another node's journal (docs/cluster.md)",
          log_chunks + 1));
    }
    log_chunks += chunks->size();
    pipeline.offer_replicated(std::move(*chunks));
  }
  return Status::ok();
}

}  // namespace loket
