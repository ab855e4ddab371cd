// Reading a journal back. verify_records walks it in order and checks every record: the
// sequence (dense from 1, key and record agree), the checksum, the record's own hash, the
// chain (each previous_hash is the hash of the record before; the first is the genesis hash
// of the header's scheme) and timestamps that never decrease. replay_journal does the same
// and also applies every event to an allocator and compares its decisions with the
// journal's. Both stop at the first problem and say where and what.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "engine/allocator.hpp"
#include "storage/journal.hpp"
#include "storage/record.hpp"

namespace loket {

struct JournalProblem {
  std::uint64_t sequence = 0;  // the record where it was found
  std::string what;
  std::string journal_says;  // for a decision mismatch: the journal's decisions, JSON lines
  std::string replay_says;   // and the replay's
};

struct JournalSummary {
  std::uint64_t records = 0;
  std::uint64_t last_sequence = 0;
  TimestampNs last_timestamp = INT64_MIN;
  Sha256Digest head_hash{};
  std::optional<JournalProblem> problem;
};

// The checks of verify_records on one record at a time, for readers that go at their own
// pace (the server's export): check() a record, and accept() it if it passed.
class ChainVerifier {
 public:
  explicit ChainVerifier(std::string_view scheme_text);
  // Fills `seal` from the record's bytes; a problem if anything does not hold. The parts of a
  // split event (storage/event_parts.hpp) must follow their head, all of them, in order.
  std::optional<JournalProblem> check(const Journal::RecordKey& key,
                                      std::span<const std::uint8_t> bytes, RecordSeal& seal) const;
  void accept(const RecordSeal& seal);
  // The summary counts whole events: a split one once its last part is accepted.
  const JournalSummary& summary() const { return summary_; }
  // At the end of the journal: a problem if a split event is missing parts.
  std::optional<JournalProblem> check_end() const;

 private:
  JournalSummary summary_;
  std::uint32_t parts_ = 0;      // of the split event being read
  std::uint32_t next_part_ = 0;  // 0 when not within a split event
};

// Called with each verified event (the parts of a split one joined); return false to stop
// early (not a problem).
using RecordVisitor = std::function<bool(const JournalRecord& record)>;

JournalSummary verify_records(const Journal& journal, const RecordVisitor& visit = {});

struct ReplayOptions {
  RecordVisitor visit;  // after the record's decisions were compared
  std::function<void(std::uint64_t records_done)> progress;
  std::uint64_t progress_every_records = 65536;
};

// The allocator must be new and built from the journal's scheme (or the one to audit against).
JournalSummary replay_journal(const Journal& journal, Allocator& allocator,
                              const ReplayOptions& options = {});

}  // namespace loket
