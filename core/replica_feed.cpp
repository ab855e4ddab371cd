#include "core/replica_feed.hpp"

#include <fmt/format.h>

#include "core/accepted.hpp"
#include "storage/record.hpp"

namespace loket {
namespace {

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Applies one event, or says why this journal cannot take it.
Status apply_checked(Sequencer& sequencer, IdempotencyIndex& keys, const JournalRecord& event) {
  if (event.sequence != sequencer.last_sequence() + 1) {
    return Status::not_found(fmt::format(
        "this journal ends at event {} and the cluster's log goes on at event {}: the events "
        "between were trimmed; seed this node from a copy of another node's journal "
        "(docs/cluster.md)",
        sequencer.last_sequence(), event.sequence));
  }
  if (event.previous_hash != sequencer.head_hash()) {
    return Status::corruption(fmt::format(
        "event {} of the cluster's log does not follow this journal's event {}: the journal is "
        "not a copy of the cluster's log; seed this node from a copy of another node's journal",
        event.sequence, sequencer.last_sequence()));
  }
  const Applied applied =
      sequencer.apply_replicated(event.command, event.received_at, event.monitoring_json,
                                 event.idempotency, event.record_hash);
  if (applied.refusal != Refusal::none || applied.record_hash != event.record_hash) {
    return Status::corruption(fmt::format(
        "event {} of the cluster's log does not re-derive to the same record on this node "
        "(another version of loket, or a damaged log): refusing to write it",
        event.sequence));
  }
  if (event.idempotency) {
    keys.remember(*event.idempotency,
                  Accepted::make(applied.sequence, applied.timestamp, applied.record_hash,
                                 event.command, applied.decisions, applied.first_leaf_index));
  }
  return Status::ok();
}

}  // namespace

Result<const JournalRecord*> ReplicaFeed::next_event() {
  for (;;) {
    Result<std::string> record = reader_.next_record();
    if (!record.ok()) return record.status();
    if (record->empty()) return static_cast<const JournalRecord*>(nullptr);
    bytes_ = std::move(*record);
    if (Status decoded = decode_record(as_bytes(bytes_), decoded_); !decoded.is_ok()) {
      return decoded.with_code(StatusCode::corruption);
    }
    std::string problem;
    const JournalRecord* event = assembler_.add(decoded_, as_bytes(bytes_), problem);
    if (!problem.empty()) return Status::corruption("the cluster's log: " + problem);
    if (event != nullptr) return event;
  }
}

Result<std::uint64_t> ReplicaFeed::apply_available(Sequencer& sequencer, IdempotencyIndex& keys) {
  std::uint64_t applied = 0;
  for (;;) {
    const Result<const JournalRecord*> event = next_event();
    if (!event.ok()) return event.status();
    if (*event == nullptr) return applied;
    if ((*event)->sequence <= sequencer.last_sequence()) continue;
    if (Status status = apply_checked(sequencer, keys, **event); !status.is_ok()) return status;
    last_applied_ = (*event)->sequence;
    ++applied;
  }
}

}  // namespace loket
