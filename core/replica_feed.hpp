// Another node's events, applied on this node exactly as that node applied them. A cluster
// node catching up, and a follower tailing the leader's log (docs/cluster.md), take the log's
// chunks (core/record_stream.hpp) in order; each whole event is re-derived by this node's
// Sequencer and must link to this journal's head and seal to the very record hash the leader
// sealed, or nothing of it is written and the feed stops with a corruption.
//
//   ReplicaFeed feed;
//   feed.add_chunk(chunk);
//   Result<std::uint64_t> applied = feed.apply_available(sequencer, keys);
//
// Events at or before the Sequencer's last sequence are skipped: the journal already holds
// them (its chain linking to the next one proves they are the same).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/idempotency_index.hpp"
#include "core/record_stream.hpp"
#include "core/sequencer.hpp"
#include "storage/event_parts.hpp"

namespace loket {

class ReplicaFeed {
 public:
  void add_chunk(std::string_view chunk) { reader_.add_chunk(chunk); }

  // Applies every whole event the chunks added so far hold; the count applied. not_found when
  // an event is missing before the next one (the journal is behind what the log still holds);
  // corruption when one does not link or re-derive. After an error the feed must not be used.
  // Records are handed to the Sequencer's log; the caller flushes and waits as it likes.
  Result<std::uint64_t> apply_available(Sequencer& sequencer, IdempotencyIndex& keys);

  // The next whole event of the chunks added so far, without applying it; nullptr when they
  // end before it. It is valid until the next call. corruption when the stream is damaged.
  Result<const JournalRecord*> next_event();

  // The sequence of the last event applied (and so handed to the log); 0: none yet.
  std::uint64_t last_applied() const { return last_applied_; }

  // True when everything added ended with a whole event: where a batch of the log ends.
  bool at_event_end() const { return reader_.at_record_end() && !assembler_.joining(); }

 private:
  RecordStreamReader reader_;
  std::string bytes_;  // the current record's, which the event returned may view
  JournalRecord decoded_;
  EventAssembler assembler_;
  std::uint64_t last_applied_ = 0;
};

}  // namespace loket
