#include "app/audit_command.hpp"

#include <fmt/format.h>

#include <chrono>

#include "app/checkpoint_audit.hpp"
#include "app/file_text.hpp"
#include "app/progress.hpp"
#include "app/seed_audit.hpp"
#include "engine/limits.hpp"
#include "parse/scheme_toml.hpp"
#include "storage/replay.hpp"

namespace loket {
namespace {

void print_indented(std::FILE* stream, std::string_view lines) {
  while (!lines.empty()) {
    const std::size_t end = lines.find('\n');
    fmt::print(stream, "    {}\n", lines.substr(0, end));
    if (end == std::string_view::npos) break;
    lines.remove_prefix(end + 1);
  }
}

// The scheme the decisions are re-derived under: the journal's own, or --scheme with a note
// when it differs. Nothing, with the reason printed to `errors`, when it cannot be read.
std::optional<Scheme> audit_scheme(const Journal& journal, const AuditOptions& options,
                                   std::FILE* errors) {
  std::string scheme_text(journal.scheme_text());
  std::string scheme_source = fmt::format("{} (header)", options.data_path);
  if (!options.scheme_path.empty()) {
    const Result<std::string> file =
        read_file_text(options.scheme_path, limits::scheme_file_bytes_max);
    if (!file.ok()) {
      fmt::print(errors, "loket audit: {}\n", file.status().message());
      return std::nullopt;
    }
    if (*file != scheme_text) {
      fmt::print(errors,
                 "loket audit: note: {} differs from the scheme in the journal's header; "
                 "decisions are re-derived under {}\n",
                 options.scheme_path, options.scheme_path);
    }
    scheme_text = *file;
    scheme_source = options.scheme_path;
  }
  Result<Scheme> parsed = parse_scheme(scheme_text, scheme_source);
  if (!parsed.ok()) {
    fmt::print(errors, "loket audit: {}\n", parsed.status().message());
    return std::nullopt;
  }
  return std::move(parsed).value();
}

// Where the replay stopped and why, with both versions of the decisions where they differ.
void print_problem(std::FILE* errors, const std::string& data_path, const JournalSummary& summary) {
  const JournalProblem& problem = *summary.problem;
  fmt::print(errors, "loket audit: {}: record {}: {}\n", data_path, problem.sequence, problem.what);
  if (!problem.journal_says.empty()) {
    fmt::print(errors, "  journal says:\n");
    print_indented(errors, problem.journal_says);
    fmt::print(errors, "  replay says:\n");
    print_indented(errors, problem.replay_says);
  }
  fmt::print(errors, "  records 1-{} verified before it.\n", summary.last_sequence);
}

// --key's verifier key, given as the key or as a file that holds it; nothing when not given.
Result<std::optional<NoteVerifierKey>> audit_key(const std::string& key_or_path) {
  if (key_or_path.empty()) return std::optional<NoteVerifierKey>();
  Result<NoteVerifierKey> key = parse_verifier_key(key_or_path);
  if (!key.ok() && key_or_path.find('+') == std::string::npos) {
    const Result<std::string> file = read_file_text(key_or_path, note_limits::note_bytes_max);
    if (!file.ok()) return file.status();
    key = parse_verifier_key(*file);
    if (!key.ok()) return Status::invalid_argument(key_or_path + ": " + key.status().message());
  }
  if (!key.ok()) return Status::invalid_argument("--key: " + key.status().message());
  return std::optional<NoteVerifierKey>(std::move(key).value());
}

// The checkpoint audit of --checkpoint and --key; nothing, with the reason on `errors`, when
// a key or a checkpoint file is refused.
std::optional<CheckpointAudit> checkpoint_audit(const Scheme& scheme, const AuditOptions& options,
                                                std::FILE* errors) {
  Result<std::optional<NoteVerifierKey>> key = audit_key(options.verifier_key);
  if (!key.ok()) {
    fmt::print(errors, "loket audit: {}\n", key.status().message());
    return std::nullopt;
  }
  std::vector<GivenCheckpoint> given;
  for (const std::string& path : options.checkpoint_paths) {
    Result<GivenCheckpoint> read = read_given_checkpoint(path, *key);
    if (!read.ok()) {
      fmt::print(errors, "loket audit: {}\n", read.status().message());
      return std::nullopt;
    }
    given.push_back(std::move(read).value());
  }
  return std::optional<CheckpointAudit>(std::in_place, scheme, std::move(*key), std::move(given));
}

}  // namespace

int run_audit(const AuditOptions& options, std::FILE* out, std::FILE* errors) {
  const auto started = std::chrono::steady_clock::now();
  JournalOpenResult opened = Journal::open(options.data_path, JournalOptions{{}, nullptr, true});
  if (!opened.ok()) {
    fmt::print(errors, "loket audit: {}\n", opened.status().message());
    return 2;
  }
  const Journal& journal = *opened->journal;
  std::optional<Scheme> scheme = audit_scheme(journal, options, errors);
  if (!scheme) return 2;

  const std::uint64_t expected_records = journal.last_sequence();
  Allocator allocator(std::move(*scheme),
                      AllocatorOptions{std::max<std::size_t>(expected_records, 1 << 16)});
  ProgressBar progress(errors, "loket audit", expected_records);
  SeedAudit seed_audit(allocator.scheme());
  std::optional<CheckpointAudit> tree_audit = checkpoint_audit(allocator.scheme(), options, errors);
  if (!tree_audit) return 2;
  ReplayOptions replay;
  replay.progress = [&](std::uint64_t done) { progress.update(done); };
  replay.visit = [&](const JournalRecord& record) {
    seed_audit.visit(record);
    tree_audit->visit(record);
    return true;
  };
  const JournalSummary summary = replay_journal(journal, allocator, replay);
  tree_audit->finish();
  progress.finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (summary.problem) {
    print_problem(errors, options.data_path, summary);
    return 1;
  }
  for (const auto* failure : {&seed_audit.failure(), &tree_audit->failure()}) {
    if (*failure) {
      fmt::print(errors, "loket audit: {}: {}\n", options.data_path, **failure);
      return 1;
    }
  }
  fmt::print(out,
             "loket audit: {}: {} records, sequence 1-{} without gaps, every checksum and the "
             "hash chain intact, every decision re-derived and equal.\n"
             "  head hash {}\n  {:.3f} s, {:.0f} records/s\n",
             options.data_path, summary.records, summary.last_sequence, to_hex(summary.head_hash),
             seconds, static_cast<double>(summary.records) / std::max(seconds, 1e-9));
  fmt::print(out, "{}{}", seed_audit.report(), tree_audit->report());
  return 0;
}

}  // namespace loket
