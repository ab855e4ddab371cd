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
                     const JournalSummary& journaled)
    : allocator_(std::move(allocator)),
      log_(std::move(log)),
      head_hash_(journaled.head_hash),
      last_timestamp_(std::max<TimestampNs>(journaled.last_timestamp, 0)) {
  LOKET_ASSERT(allocator_);
  LOKET_ASSERT(allocator_->last_sequence() == journaled.last_sequence);
}

Applied Sequencer::apply(const Command& command, TimestampNs timestamp,
                         std::string_view monitoring_json,
                         const std::optional<IdempotencyTag>& idempotency) {
  Applied applied;
  applied.sequence = allocator_->last_sequence() + 1;
  applied.timestamp = std::max(timestamp, last_timestamp_);
  applied.refusal = allocator_->apply(command, applied.sequence, applied.timestamp, decisions_);
  if (applied.refusal != Refusal::none) return applied;
  last_timestamp_ = applied.timestamp;
  if (log_) {
    head_hash_ = seal_event(sealed_, applied.sequence, applied.timestamp, command, monitoring_json,
                            decisions_, head_hash_, idempotency);
    log_->append(applied.sequence, sealed_);
  }
  applied.record_hash = head_hash_;
  applied.decisions = decisions_;
  return applied;
}

}  // namespace loket
