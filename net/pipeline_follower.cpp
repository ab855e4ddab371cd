// A follower's pipeline (net/pipeline.hpp): applying the leader's log as it is offered, and
// taking the lead in place, without reading its journal again.
#include <fmt/format.h>

#include "engine/assert.hpp"
#include "net/pipeline_impl.hpp"

namespace loket {

void Pipeline::offer_replicated(std::vector<std::string> chunks) {
  {
    const std::lock_guard lock(impl_->follower_mutex);
    for (std::string& chunk : chunks) {
      impl_->offered_bytes += chunk.size();
      impl_->offered_chunks.push_back(std::move(chunk));
    }
  }
  impl_->wake_up();
}

std::size_t Pipeline::offered_bytes_pending() const {
  const std::lock_guard lock(impl_->follower_mutex);
  return impl_->offered_bytes;
}

void Pipeline::set_leader_url(std::string url) {
  const std::lock_guard lock(impl_->follower_mutex);
  impl_->leader_url = std::move(url);
}

std::string Pipeline::leader_url() const {
  const std::lock_guard lock(impl_->follower_mutex);
  return impl_->leader_url;
}

void Pipeline::set_cluster_view(ClusterView view) {
  const std::lock_guard lock(impl_->follower_mutex);
  impl_->cluster_view = std::move(view);
}

Pipeline::ClusterView Pipeline::cluster_view() const {
  const std::lock_guard lock(impl_->follower_mutex);
  return impl_->cluster_view;
}

void Pipeline::promote() {
  {
    const std::lock_guard lock(impl_->follower_mutex);
    impl_->promotion_requested = true;
    impl_->leader_url.clear();  // until it leads, writes wait for a leader
  }
  impl_->wake_up();
}

// Applies what was offered; the records go to the local group commit like any others, and
// queries wait for them as they would on a leader.
void Pipeline::Impl::apply_replicated() {
  std::vector<std::string> chunks;
  bool promote = false;
  {
    const std::lock_guard lock(follower_mutex);
    chunks.swap(offered_chunks);
    offered_bytes = 0;
    promote = promotion_requested;
  }
  for (const std::string& chunk : chunks) replica_feed.add_chunk(chunk);
  if (!chunks.empty()) {
    const Result<std::uint64_t> applied = replica_feed.apply_available(*sequencer, *keys);
    if (!applied.ok()) {
      // What was checked before it is the cluster's, and stays; the bad event never reached
      // the log.
      sequencer->log()->flush();
      (void)sequencer->log()->wait_durable(replica_feed.last_applied());
      return fail_journal("this follower cannot apply the cluster's log: " +
                          applied.status().message());
    }
    owner.counters_.replicated_events.fetch_add(*applied, std::memory_order_relaxed);
  }
  if (promote) take_the_lead();
}

// Everything this follower applied is made durable locally, then the factory's log (fenced on
// this node's epoch) takes its place under a new Sequencer at the same head.
void Pipeline::Impl::take_the_lead() {
  {
    const std::lock_guard lock(follower_mutex);
    promotion_requested = false;
  }
  if (!replica_feed.at_event_end()) {
    return fail_journal("the cluster's log ends inside an event: this node cannot lead on it");
  }
  sequencer->log()->flush();
  const std::uint64_t last = sequencer->last_sequence();
  if (Status durable = sequencer->log()->wait_durable(last); !durable.is_ok()) {
    return fail_journal(durable.message());
  }
  complete_durable();
  Result<std::unique_ptr<DurableLog>> log =
      make_log(*journal, limits.commit, durable_callback(), last);
  if (!log.ok()) return fail_journal("taking the lead: " + log.status().message());
  JournalSummary summary;
  summary.last_sequence = last;
  summary.last_timestamp = sequencer->last_timestamp();
  summary.head_hash = sequencer->head_hash();
  std::unique_ptr<Allocator> allocator = sequencer->release_allocator();
  DecisionTree tree = sequencer->release_decision_tree();
  sequencer =
      std::make_unique<Sequencer>(std::move(allocator), std::move(*log), summary, std::move(tree));
  owner.following_.store(false, std::memory_order_release);
  commit_lottery_seeds();
  fmt::print(stderr, "loket serve: this node leads from sequence {} on; accepting submissions\n",
             last);
}

}  // namespace loket
