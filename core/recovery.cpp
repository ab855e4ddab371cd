#include "core/recovery.hpp"

#include <fmt/format.h>

#include "engine/assert.hpp"
#include "parse/scheme_toml.hpp"

namespace loket {
namespace {

// What an operator should do with a damaged journal: the damage is to acknowledged records,
// which only a copy has, and the folder itself is evidence for the auditor.
std::string damaged_journal_advice(const std::string& directory) {
  return fmt::format(
      "loket will not run on a damaged journal: keep {} as it is, restore the journal from its "
      "backup into a new folder, check it with `loket audit --data NEW_FOLDER`, and serve from "
      "that folder",
      directory);
}

// The journal in `directory`, opened (created for a new scheme) under scheme_text.
Result<std::unique_ptr<Journal>> open_journal(const std::string& directory,
                                              const std::string& scheme_text,
                                              const RecoveryOptions& options) {
  JournalOptions open_options = options.journal;
  open_options.scheme_text = scheme_text;
  JournalOpenResult opened = Journal::open(directory, open_options);
  if (!opened.ok()) {
    const Status failure = opened.status();
    if (failure.code() != StatusCode::corruption) return failure;
    return Status::corruption(
        fmt::format("{}. {}", failure.message(), damaged_journal_advice(directory)));
  }
  if (opened->journal->scheme_text() != scheme_text) {
    return Status::invalid_argument(fmt::format(
        "{}: the journal was written under a different scheme; audit it with its own scheme "
        "or start a new journal in another folder",
        directory));
  }
  return std::move(opened->journal);
}

Result<Scheme> scheme_for(const std::string& directory, const std::string& scheme_text,
                          const RecoveryOptions& options) {
  if (options.scheme != nullptr) return *options.scheme;
  return parse_scheme(scheme_text, directory + " (header)");
}

}  // namespace

Result<Recovered> recover_journal(const std::string& directory, const std::string& scheme_text,
                                  const RecoveryOptions& options) {
  // The scheme first: one that does not parse (an empty file, say) must not create a journal.
  Result<Scheme> scheme = scheme_for(directory, scheme_text, options);
  if (!scheme.ok()) return scheme.status();
  Result<std::unique_ptr<Journal>> journal = open_journal(directory, scheme_text, options);
  if (!journal.ok()) return journal.status();
  const std::size_t expected =
      std::max<std::size_t>(options.applications_expected, (*journal)->last_sequence());
  Recovered result;
  result.allocator = std::make_unique<Allocator>(std::move(*scheme), AllocatorOptions{expected});
  result.keys = IdempotencyIndex(options.idempotency_keys_max);
  ReplayOptions replay;
  // A restarted server still recognises retries: the keys are in the journal.
  std::optional<JournalProblem> checkpoint_problem;
  replay.visit = [&result, &checkpoint_problem](const JournalRecord& record) {
    if (const auto* checkpoint = std::get_if<CheckpointCommand>(&record.command)) {
      if (auto mismatch =
              result.tree.checkpoint_mismatch(result.allocator->scheme().id, checkpoint->note)) {
        checkpoint_problem = JournalProblem{record.sequence, std::move(*mismatch), {}, {}};
        return false;
      }
      result.tree.set_latest_checkpoint(checkpoint->note);
    }
    const std::uint64_t first_leaf_index = result.tree.size();
    result.tree.append(result.allocator->scheme(), record.sequence, record.decisions);
    if (record.idempotency) {
      result.keys.remember(*record.idempotency,
                           Accepted::make(record.sequence, record.received_at, record.record_hash,
                                          record.command, record.decisions, first_leaf_index));
    }
    return true;
  };
  result.summary = replay_journal(**journal, *result.allocator, replay);
  if (checkpoint_problem) result.summary.problem = std::move(checkpoint_problem);
  if (result.summary.problem) {
    return Status::corruption(fmt::format("{}: record {}: {}; refusing to continue from it. {}",
                                          directory, result.summary.problem->sequence,
                                          result.summary.problem->what,
                                          damaged_journal_advice(directory)));
  }
  LOKET_ASSERT(result.allocator->last_sequence() == result.summary.last_sequence);
  result.journal = std::move(*journal);
  return result;
}

}  // namespace loket
