#include "storage/replay.hpp"

#include <fmt/format.h>

#include "engine/assert.hpp"
#include "engine/event_json.hpp"

namespace loket {
namespace {

std::string decision_lines(const Scheme& scheme, std::uint64_t sequence,
                           std::span<const Decision> decisions) {
  std::string text;
  for (const Decision& decision : decisions) {
    if (decision.kind == Decision::Kind::application ||
        (decision.tranche_index < scheme.tranches.size() &&
         decision.from_compartment < scheme.tranches[decision.tranche_index].compartments.size() &&
         decision.to_compartment < scheme.tranches[decision.tranche_index].compartments.size())) {
      append_decision_json(text, scheme, sequence, decision);
    } else {
      text += fmt::format("(a transfer naming compartments the scheme does not have)\n");
    }
  }
  return text.empty() ? "(no decisions)\n" : text;
}

// The walk shared by verify and replay: `check` runs on each decoded, chain-checked record and
// returns a problem or nothing.
JournalSummary walk(
    const Journal& journal,
    const std::function<std::optional<JournalProblem>(const JournalRecord&)>& check) {
  JournalSummary summary;
  summary.head_hash = genesis_hash(journal.scheme_text());
  JournalRecord record;
  auto cursor = journal.records(1);
  for (; cursor.valid(); cursor.next()) {
    const std::uint64_t expected = summary.last_sequence + 1;
    const std::uint64_t key_sequence = cursor.sequence();
    if (key_sequence != expected) {
      summary.problem = JournalProblem{
          expected,
          fmt::format("sequence gap: record {} is missing (next is {})", expected, key_sequence),
          {},
          {}};
      return summary;
    }
    const std::string decode_problem = decode_record(cursor.bytes(), record);
    if (!decode_problem.empty()) {
      summary.problem = JournalProblem{key_sequence, decode_problem, {}, {}};
      return summary;
    }
    if (record.sequence != key_sequence) {
      summary.problem = JournalProblem{
          key_sequence,
          fmt::format("record says sequence {} under the key of {}", record.sequence, key_sequence),
          {},
          {}};
      return summary;
    }
    if (record.previous_hash != summary.head_hash) {
      summary.problem = JournalProblem{
          key_sequence,
          expected == 1 ? "chain broken: does not follow the header's scheme"
                        : fmt::format("chain broken: does not follow record {}", expected - 1),
          {},
          {}};
      return summary;
    }
    if (record.received_at < summary.last_timestamp) {
      summary.problem =
          JournalProblem{key_sequence, "timestamp earlier than the previous record's", {}, {}};
      return summary;
    }
    if (auto problem = check(record)) {
      summary.problem = std::move(problem);
      return summary;
    }
    summary.records += 1;
    summary.last_sequence = key_sequence;
    summary.last_timestamp = record.received_at;
    summary.head_hash = record.record_hash;
  }
  if (const Status status = cursor.status(); !status.is_ok()) {
    summary.problem =
        JournalProblem{summary.last_sequence + 1, "read error: " + status.message(), {}, {}};
  }
  return summary;
}

}  // namespace

JournalSummary verify_records(const Journal& journal, const RecordVisitor& visit) {
  bool stopped = false;
  JournalSummary summary =
      walk(journal, [&](const JournalRecord& record) -> std::optional<JournalProblem> {
        if (stopped) return std::nullopt;
        if (visit && !visit(record)) stopped = true;
        return std::nullopt;
      });
  return summary;
}

JournalSummary replay_journal(const Journal& journal, Allocator& allocator,
                              const ReplayOptions& options) {
  LOKET_ASSERT(allocator.last_sequence() == 0);
  std::vector<Decision> replayed;
  bool stopped = false;
  std::uint64_t done = 0;
  return walk(journal, [&](const JournalRecord& record) -> std::optional<JournalProblem> {
    if (stopped) return std::nullopt;
    const Refusal refusal =
        allocator.apply(record.command, record.sequence, record.received_at, replayed);
    const Scheme& scheme = allocator.scheme();
    if (refusal != Refusal::none) {
      return JournalProblem{
          record.sequence, fmt::format("replay refused the event ({})", to_string(refusal)),
          decision_lines(scheme, record.sequence, record.decisions), "(refused)\n"};
    }
    bool same = replayed.size() == record.decisions.size();
    for (std::size_t index = 0; same && index < replayed.size(); ++index) {
      same = same_decision(replayed[index], record.decisions[index]);
    }
    if (!same) {
      return JournalProblem{record.sequence, "decisions differ",
                            decision_lines(scheme, record.sequence, record.decisions),
                            decision_lines(scheme, record.sequence, replayed)};
    }
    if (options.visit && !options.visit(record)) stopped = true;
    if (options.progress && ++done % options.progress_every_records == 0) options.progress(done);
    return std::nullopt;
  });
}

}  // namespace loket
