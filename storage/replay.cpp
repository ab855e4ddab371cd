#include "storage/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <thread>

#include "engine/assert.hpp"
#include "parse/event_json.hpp"
#include "storage/event_parts.hpp"

namespace loket {
namespace {

using Check = std::function<std::optional<JournalProblem>(const RecordSeal& seal,
                                                          std::span<const std::uint8_t> bytes)>;

// Whether the scheme has the compartments a decision names. A journal audited under another
// scheme (`loket audit --scheme`) may name compartments that scheme does not have.
bool scheme_has_compartments_of(const Scheme& scheme, const Decision& decision) {
  const bool known_tranche = decision.tranche_index < scheme.tranches.size();
  const auto compartments =
      known_tranche ? scheme.tranches[decision.tranche_index].compartments.size() : 0;
  if (decision.kind == Decision::Kind::transfer) {
    return decision.from_compartment < compartments && decision.to_compartment < compartments;
  }
  if (decision.kind == Decision::Kind::carry_over) {
    return known_tranche && decision.to_tranche < scheme.tranches.size();
  }
  return decision.compartment_index == no_compartment || decision.compartment_index < compartments;
}

std::string_view decision_kind_article(Decision::Kind kind) {
  switch (kind) {
    case Decision::Kind::application:
      return "n application";
    case Decision::Kind::transfer:
      return " transfer";
    case Decision::Kind::carry_over:
      return " carry-over";
  }
  return "";
}

std::string decision_lines(const Scheme& scheme, std::uint64_t sequence,
                           std::span<const Decision> decisions) {
  std::string text;
  for (const Decision& decision : decisions) {
    if (scheme_has_compartments_of(scheme, decision)) {
      append_decision_json(text, scheme, sequence, decision);
    } else {
      fmt::format_to(
          std::back_inserter(text),
          "(a{} naming compartments or tranches that tranche {} of the scheme does not have)\n",
          decision_kind_article(decision.kind), decision.tranche_index + 1);
    }
  }
  return text.empty() ? "(no decisions)\n" : text;
}

JournalProblem problem_at(std::uint64_t sequence, std::string what) {
  return JournalProblem{sequence, std::move(what), {}, {}};
}

// Walks the records in order, checking what is checkable without decoding an event: the
// sequence (dense from 1; key and record agree), the seal (checksum and the record's own
// hash), the chain and the timestamps. `check` runs on each sealed record.
JournalSummary walk_seals(const Journal& journal, const Check& check) {
  ChainVerifier verifier(journal.scheme_text());
  RecordSeal seal;
  auto cursor = journal.records(1);
  for (; cursor.valid(); cursor.next()) {
    std::optional<JournalProblem> problem = verifier.check(cursor.key(), cursor.bytes(), seal);
    if (!problem) problem = check(seal, cursor.bytes());
    if (problem) {
      JournalSummary summary = verifier.summary();
      summary.problem = std::move(problem);
      return summary;
    }
    verifier.accept(seal);
  }
  JournalSummary summary = verifier.summary();
  if (const Status status = cursor.status(); !status.is_ok()) {
    summary.problem = problem_at(summary.last_sequence + 1, "read error: " + status.message());
  } else {
    summary.problem = verifier.check_end();
  }
  return summary;
}

// Applies one decoded record to the allocator and compares decisions.
std::optional<JournalProblem> replay_one(const JournalRecord& record, Allocator& allocator,
                                         std::vector<Decision>& replayed) {
  const Refusal refusal =
      allocator.apply(record.command, record.sequence, record.received_at, replayed);
  const Scheme& scheme = allocator.scheme();
  if (refusal != Refusal::none) {
    return JournalProblem{record.sequence,
                          fmt::format("replay refused the event ({})", to_string(refusal)),
                          decision_lines(scheme, record.sequence, record.decisions), "(refused)\n"};
  }
  bool same = replayed.size() == record.decisions.size();
  for (std::size_t index = 0; same && index < replayed.size(); ++index) {
    same = same_decision(replayed[index], record.decisions[index]);
  }
  if (same) return std::nullopt;
  return JournalProblem{record.sequence, "decisions differ",
                        decision_lines(scheme, record.sequence, record.decisions),
                        decision_lines(scheme, record.sequence, replayed)};
}

// A sealed record on its way from the reading thread to the replaying one. Decoding stays on
// the replaying side: measured, decoding on the reader made the pipeline slower (the reader
// became the bottleneck and decoded records crossed between the cores' caches).
struct SealedRecord {
  std::vector<std::uint8_t> bytes;
  RecordSeal seal;
};

// Should replaying throw (out of memory), the reader thread is stopped and joined on the way
// out: a thread left joinable would end the process instead.
struct StopOnExit {
  std::atomic<bool>& stopped;
  std::thread& thread;
  ~StopOnExit() {
    stopped.store(true, std::memory_order_release);
    if (thread.joinable()) thread.join();
  }
};

constexpr std::size_t pipeline_records_max = 4096;
constexpr std::size_t replay_batch_records = 16;

// The replaying side of replay_journal. Records are taken in small batches and all decoded
// first, so that the allocator can be told (prefetch) which table slots the batch will touch
// before it is applied in order. The summary counts a record once it was replayed.
class BatchReplayer {
 public:
  BatchReplayer(std::string_view scheme_text, Allocator& allocator, const ReplayOptions& options)
      : allocator_(allocator), options_(options) {
    summary_.head_hash = genesis_hash(scheme_text);
  }

  // Replays the records in the slots `batch` names, in order, up to the first problem.
  void replay(std::span<const std::uint32_t> batch, const std::vector<SealedRecord>& slots) {
    LOKET_ASSERT(batch.size() <= replay_batch_records);
    for (std::size_t index = 0; index < batch.size(); ++index) {
      damage_[index] = decode_record_fields(slots[batch[index]].bytes, records_[index]).message();
      if (damage_[index].empty() && records_[index].place.part == 0) {
        allocator_.prefetch(records_[index].command);
      }
    }
    for (std::size_t index = 0; index < batch.size(); ++index) {
      const SealedRecord& sealed = slots[batch[index]];
      const JournalRecord* event =
          damage_[index].empty() ? assembler_.add(records_[index], sealed.bytes, damage_[index])
                                 : nullptr;
      if (!damage_[index].empty()) {
        summary_.problem = problem_at(sealed.seal.sequence, damage_[index]);
        return;
      }
      if (event == nullptr) continue;  // a split event, parts still to come
      summary_.problem = replay_one(*event, allocator_, replayed_);
      if (summary_.problem) return;
      summary_.records += 1;
      summary_.last_sequence = sealed.seal.sequence;
      summary_.last_timestamp = sealed.seal.received_at;
      summary_.head_hash = sealed.seal.record_hash;
      if (visiting_ && options_.visit && !options_.visit(*event)) visiting_ = false;
      if (options_.progress && summary_.records % options_.progress_every_records == 0) {
        options_.progress(summary_.records);
      }
    }
  }

  JournalSummary& summary() { return summary_; }

 private:
  Allocator& allocator_;
  const ReplayOptions& options_;
  JournalSummary summary_;
  std::vector<Decision> replayed_;
  EventAssembler assembler_;
  std::array<JournalRecord, replay_batch_records> records_;
  std::array<std::string, replay_batch_records> damage_;
  bool visiting_ = true;  // until the visitor asks to stop
};

}  // namespace

ChainVerifier::ChainVerifier(std::string_view scheme_text) {
  summary_.head_hash = genesis_hash(scheme_text);
}

std::optional<JournalProblem> ChainVerifier::check(const Journal::RecordKey& key,
                                                   std::span<const std::uint8_t> bytes,
                                                   RecordSeal& seal) const {
  const bool joining = next_part_ != 0;
  const std::uint64_t expected = summary_.last_sequence + 1;  // also for a split event's parts
  if (!key.well_formed) return problem_at(expected, "a record key of an unknown layout");
  if (joining && (key.sequence != expected || key.part != next_part_)) {
    return problem_at(expected, incomplete_event(expected, next_part_, parts_));
  }
  if (key.sequence != expected) {
    return problem_at(expected, fmt::format("sequence gap: record {} is missing (next is {})",
                                            expected, key.sequence));
  }
  if (!joining && key.part != 0) {
    return problem_at(expected,
                      fmt::format("part {} of event {} without its head", key.part, key.sequence));
  }
  if (const Status sealed = check_record_seal(bytes, seal); !sealed.is_ok()) {
    return problem_at(key.sequence, sealed.message());
  }
  if (seal.sequence != key.sequence || seal.place.part != key.part) {
    return problem_at(key.sequence,
                      fmt::format("record says sequence {} part {} under the key "
                                  "of sequence {} part {}",
                                  seal.sequence, seal.place.part, key.sequence, key.part));
  }
  if (seal.previous_hash != summary_.head_hash) {
    return problem_at(key.sequence, expected == 1 && !joining
                                        ? "chain broken: does not follow the header's scheme"
                                        : "chain broken: does not follow the record before it");
  }
  if (seal.received_at < summary_.last_timestamp) {
    return problem_at(key.sequence, "timestamp earlier than the previous record's");
  }
  return std::nullopt;
}

void ChainVerifier::accept(const RecordSeal& seal) {
  summary_.head_hash = seal.record_hash;
  summary_.last_timestamp = seal.received_at;
  if (seal.place.part == 0 && !seal.place.whole()) {
    parts_ = seal.place.parts;
    next_part_ = 1;
    return;
  }
  if (next_part_ != 0 && ++next_part_ < parts_) return;
  next_part_ = 0;
  summary_.records += 1;
  summary_.last_sequence = seal.sequence;
}

std::optional<JournalProblem> ChainVerifier::check_end() const {
  if (next_part_ == 0) return std::nullopt;
  const std::uint64_t sequence = summary_.last_sequence + 1;
  return problem_at(sequence, incomplete_event(sequence, next_part_, parts_));
}

JournalSummary verify_records(const Journal& journal, const RecordVisitor& visit) {
  bool stopped = false;
  JournalRecord record;
  EventAssembler assembler;
  return walk_seals(journal,
                    [&](const RecordSeal& seal,
                        std::span<const std::uint8_t> bytes) -> std::optional<JournalProblem> {
                      if (stopped) return std::nullopt;
                      std::string problem = decode_record_fields(bytes, record).message();
                      const JournalRecord* event =
                          problem.empty() ? assembler.add(record, bytes, problem) : nullptr;
                      if (!problem.empty()) return problem_at(seal.sequence, std::move(problem));
                      if (event != nullptr && visit && !visit(*event)) stopped = true;
                      return std::nullopt;
                    });
}

// Two threads, as a pipeline: this one decodes and replays, a reader checks seals and the
// chain (the hashing). Records travel in a fixed ring of slots, handed over and back through
// two bounded single-producer/single-consumer queues, so nothing is allocated per record.
// The summary is the replay's: a record counts once it was both verified and replayed.
JournalSummary replay_journal(const Journal& journal, Allocator& allocator,
                              const ReplayOptions& options) {
  LOKET_ASSERT(allocator.last_sequence() == 0);
  // A ring no larger than the journal: audits of small journals (and the tamper tests,
  // thousands of them) do not set up room for thousands of records.
  const std::size_t slot_count = static_cast<std::size_t>(std::clamp<std::uint64_t>(
      journal.last_sequence() + 1, replay_batch_records, pipeline_records_max));
  std::vector<SealedRecord> slots(slot_count);
  boost::lockfree::spsc_queue<std::uint32_t> full(slot_count);
  boost::lockfree::spsc_queue<std::uint32_t> empty(slot_count);
  for (std::uint32_t slot = 0; slot < slots.size(); ++slot) empty.push(slot);
  std::atomic<bool> reader_done{false};
  std::atomic<bool> replay_stopped{false};
  JournalSummary reader_summary;
  std::thread reader([&] {
    reader_summary =
        walk_seals(journal,
                   [&](const RecordSeal& seal,
                       std::span<const std::uint8_t> bytes) -> std::optional<JournalProblem> {
                     std::uint32_t slot = 0;
                     while (!empty.pop(slot)) {
                       if (replay_stopped.load(std::memory_order_acquire)) return JournalProblem{};
                       std::this_thread::yield();
                     }
                     slots[slot].bytes.assign(bytes.begin(), bytes.end());
                     slots[slot].seal = seal;
                     const bool pushed = full.push(slot);
                     LOKET_ASSERT(pushed);  // as many places as slots
                     return std::nullopt;
                   });
    reader_done.store(true, std::memory_order_release);
  });
  const StopOnExit stop_reader{replay_stopped, reader};

  BatchReplayer replayer(journal.scheme_text(), allocator, options);
  std::array<std::uint32_t, replay_batch_records> batch{};
  while (!replayer.summary().problem) {
    const std::size_t count = full.pop(batch.data(), batch.size());
    if (count == 0) {
      if (reader_done.load(std::memory_order_acquire) && full.read_available() == 0) break;
      std::this_thread::yield();
      continue;
    }
    replayer.replay(std::span(batch).first(count), slots);
    if (replayer.summary().problem) {
      replay_stopped.store(true, std::memory_order_release);
      break;
    }
    empty.push(batch.data(), count);
  }
  reader.join();
  JournalSummary summary = std::move(replayer.summary());
  // The reader's problem counts only if the replay got as far as it.
  if (!summary.problem && reader_summary.problem) summary.problem = reader_summary.problem;
  return summary;
}

}  // namespace loket
