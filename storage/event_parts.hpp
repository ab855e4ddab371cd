// Events whose decisions do not fit one record. A close may decide every pending application
// of a tranche at once, millions of them; the writer splits such an event into a head record
// and parts (storage/format.hpp, event_split), and readers join the parts again, so that
// everything above the journal sees one event with all its decisions, however many.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "storage/record.hpp"

namespace loket {

// The records of one event, sealed into the chain in order. `records` keeps its strings
// between events so that the common case, one record, allocates nothing once warm.
struct SealedEvent {
  std::vector<std::string> records;
  std::size_t count = 0;      // records[0..count) belong to this event; [i] is part i
  Sha256Digest chain_head{};  // the hash of the last: what the next event follows
  std::string_view record(std::size_t part) const { return records[part]; }
};

// Encodes the event as one record, or as a head and parts when it has more than
// journal_format::decisions_per_part_max decisions. Returns the new chain head.
Sha256Digest seal_event(SealedEvent& out, Sequence sequence, TimestampNs received_at,
                        const Command& command, std::string_view monitoring_json,
                        std::span<const Decision> decisions, const Sha256Digest& previous_hash,
                        const std::optional<IdempotencyTag>& idempotency = std::nullopt);

// The problem of a split event whose part `missing_part` of `parts` is not where it must be.
std::string incomplete_event(Sequence sequence, std::uint32_t missing_part, std::uint32_t parts);

// Joins decoded records, given in journal order after their seals and places were checked
// (ChainVerifier), into whole events.
class EventAssembler {
 public:
  // Returns the whole event once its last record was added, otherwise nullptr. A whole
  // record is returned as it is, without a copy; `bytes` must outlive the returned event.
  // Sets `problem` when the record does not continue the event being joined.
  const JournalRecord* add(const JournalRecord& record, std::span<const std::uint8_t> bytes,
                           std::string& problem);
  bool joining() const { return next_part_ != 0; }

 private:
  // The bytes of a split event's records, owned: decision ids are views into them.
  std::vector<std::vector<std::uint8_t>> owned_;
  JournalRecord event_;
  JournalRecord part_;
  std::uint32_t next_part_ = 0;  // 0: not joining
};

}  // namespace loket
