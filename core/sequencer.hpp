// The single writer's loop, in one place: take a command, decide it (engine/), seal the
// record into the hash chain and hand it to the durable log. The Sequencer assigns each
// accepted command the next sequence and a timestamp that never decreases; a refused command
// changes nothing and is not journaled. Nothing is acknowledged by the Sequencer itself: a
// caller answers once the log's durable sequence covers the result.
//
//   Sequencer sequencer(std::move(allocator), std::move(log), summary);
//   const Applied applied = sequencer.apply(command, received_at);
//   if (applied.refusal == Refusal::none) ... wait for log().durable_sequence() >= applied.sequence
//
// Thread safety: one thread at a time (the allocator thread); the log's durable side may be
// read from any.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "core/decision_tree.hpp"
#include "core/durable_log.hpp"
#include "engine/allocator.hpp"
#include "storage/event_parts.hpp"
#include "storage/replay.hpp"

namespace loket {

// A command's result: a refusal (nothing journaled), or its sequence, timestamp, record hash
// and decisions. The decisions are valid until the next apply.
struct Applied {
  Refusal refusal = Refusal::none;
  std::uint64_t sequence = 0;
  TimestampNs timestamp = 0;
  Sha256Digest record_hash{};
  std::span<const Decision> decisions;
  std::uint64_t first_leaf_index = 0;  // the first decision's leaf in the decision tree
};

// Where a new journal starts: no records, the genesis hash of its scheme.
JournalSummary new_journal_summary(std::string_view scheme_text);

class Sequencer {
 public:
  // Continues after `journaled` (a recovered journal's summary: its last sequence, timestamp
  // and head hash; for a new journal, the genesis hash and nothing else). allocator: at that
  // last sequence. log: null for a what-if run that journals nothing (no record is sealed
  // and no decision tree kept). tree: the journaled decisions' (recovery rebuilds it), one
  // leaf for each decision the allocator has made.
  Sequencer(std::unique_ptr<Allocator> allocator, std::unique_ptr<DurableLog> log,
            const JournalSummary& journaled, DecisionTree tree = {});

  // Applies the command under the next sequence at max(timestamp, the last one); an
  // accepted one is sealed with its monitoring attributes and Idempotency-Key and appended.
  Applied apply(const Command& command, TimestampNs timestamp,
                std::string_view monitoring_json = {},
                const std::optional<IdempotencyTag>& idempotency = std::nullopt);

  // An event another node sequenced (a cluster's follower, catching up): as apply, but the
  // record reaches the log only if it seals to `expected_record_hash`. Otherwise nothing is
  // appended, the head stays, and the Sequencer must not be used again (its allocator applied
  // the command); the caller sees applied.record_hash differ. Needs a log.
  Applied apply_replicated(const Command& command, TimestampNs timestamp,
                           std::string_view monitoring_json,
                           const std::optional<IdempotencyTag>& idempotency,
                           const Sha256Digest& expected_record_hash);

  const Allocator& allocator() const { return *allocator_; }
  // Ends this Sequencer's work and gives its allocator (at last_sequence()) to whoever goes
  // on from here; the log is left as it is. Nothing may be applied after.
  std::unique_ptr<Allocator> release_allocator() { return std::move(allocator_); }
  DecisionTree release_decision_tree() { return std::move(tree_); }
  // Every journaled decision so far (empty for a what-if run).
  const DecisionTree& decision_tree() const { return tree_; }
  std::uint64_t last_sequence() const { return allocator_->last_sequence(); }
  TimestampNs last_timestamp() const { return last_timestamp_; }
  const Sha256Digest& head_hash() const { return head_hash_; }
  DurableLog* log() { return log_.get(); }
  const DurableLog* log() const { return log_.get(); }

 private:
  Applied apply_sealed(const Command& command, TimestampNs timestamp,
                       std::string_view monitoring_json,
                       const std::optional<IdempotencyTag>& idempotency,
                       const Sha256Digest* expected_record_hash);

  std::unique_ptr<Allocator> allocator_;
  std::unique_ptr<DurableLog> log_;
  DecisionTree tree_;
  Sha256Digest head_hash_{};
  TimestampNs last_timestamp_ = 0;
  std::vector<Decision> decisions_;
  SealedEvent sealed_;
};

}  // namespace loket
