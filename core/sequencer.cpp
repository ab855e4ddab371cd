#include "core/sequencer.hpp"

#include <algorithm>

#include "engine/assert.hpp"

namespace loket {

JournalSummary new_journal_summary(std::string_view scheme_text) {
  JournalSummary summary;
  summary.head_hash = genesis_hash(scheme_text);
  return summary;
}

Sequencer::Sequencer(std::unique_ptr<Allocator> allocator, std::unique_ptr<DurableLog> log,
                     const JournalSummary& journaled, DecisionTree tree)
    : allocator_(std::move(allocator)),
      log_(std::move(log)),
      tree_(std::move(tree)),
      head_hash_(journaled.head_hash),
      last_timestamp_(std::max<TimestampNs>(journaled.last_timestamp, 0)) {
  LOKET_ASSERT(allocator_);
  LOKET_ASSERT(allocator_->last_sequence() == journaled.last_sequence);
  LOKET_ASSERT(!log_ || tree_.size() == allocator_->decisions_made());
}

Applied Sequencer::apply(const Command& command, TimestampNs timestamp,
                         std::string_view monitoring_json,
                         const std::optional<IdempotencyTag>& idempotency) {
  return apply_sealed(command, timestamp, monitoring_json, idempotency, nullptr);
}

Applied Sequencer::apply_replicated(const Command& command, TimestampNs timestamp,
                                    std::string_view monitoring_json,
                                    const std::optional<IdempotencyTag>& idempotency,
                                    const Sha256Digest& expected_record_hash) {
  LOKET_ASSERT(log_);
  return apply_sealed(command, timestamp, monitoring_json, idempotency, &expected_record_hash);
}

Applied Sequencer::apply_sealed(const Command& command, TimestampNs timestamp,
                                std::string_view monitoring_json,
                                const std::optional<IdempotencyTag>& idempotency,
                                const Sha256Digest* expected_record_hash) {
  Applied applied;
  applied.sequence = allocator_->last_sequence() + 1;
  applied.timestamp = std::max(timestamp, last_timestamp_);
  const auto* checkpoint = std::get_if<CheckpointCommand>(&command);
  // Only a journal keeps the tree a checkpoint could pin.
  if (checkpoint != nullptr && log_ &&
      tree_.checkpoint_mismatch(allocator_->scheme().id, checkpoint->note)) {
    applied.refusal = Refusal::checkpoint_mismatch;
    return applied;
  }
  applied.refusal = allocator_->apply(command, applied.sequence, applied.timestamp, decisions_);
  if (applied.refusal != Refusal::none) return applied;
  last_timestamp_ = applied.timestamp;
  applied.decisions = decisions_;
  applied.first_leaf_index = allocator_->decisions_made() - decisions_.size();
  if (!log_) {
    applied.record_hash = head_hash_;
    return applied;
  }
  applied.record_hash = seal_event(sealed_, applied.sequence, applied.timestamp, command,
                                   monitoring_json, decisions_, head_hash_, idempotency);
  if (expected_record_hash && applied.record_hash != *expected_record_hash) return applied;
  head_hash_ = applied.record_hash;
  tree_.append(allocator_->scheme(), applied.sequence, decisions_);
  if (checkpoint != nullptr) tree_.set_latest_checkpoint(checkpoint->note);
  log_->append(applied.sequence, sealed_);
  return applied;
}

}  // namespace loket
