#include "app/allocate_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "app/development_key.hpp"
#include "app/file_text.hpp"
#include "core/local_log.hpp"
#include "core/sequencer.hpp"
#include "engine/allocator.hpp"
#include "engine/limits.hpp"
#include "parse/event_json.hpp"
#include "parse/scheme_toml.hpp"
#include "storage/csv.hpp"
#include "storage/record.hpp"

namespace loket {
namespace {

constexpr std::size_t output_flush_bytes = 1 << 20;

using FilePointer = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

int no_close(std::FILE*) {
  return 0;
}

struct Totals {
  std::uint64_t events = 0;
  std::uint64_t transfers = 0;
  std::uint64_t carry_overs = 0;                          // R11
  std::array<std::uint64_t, outcome_count> by_outcome{};  // by Outcome's number
  std::int64_t granted_cents = 0;
  std::uint64_t of(Outcome outcome) const { return by_outcome[static_cast<std::size_t>(outcome)]; }
};

void add_totals(const Allocator& allocator, std::uint64_t unknown_tranche_rejections,
                Totals& totals) {
  for (std::size_t index = 0; index < allocator.scheme().tranches.size(); ++index) {
    const TrancheStatus status = allocator.tranche_status(index);
    for (std::size_t outcome = 0; outcome < totals.by_outcome.size(); ++outcome) {
      totals.by_outcome[outcome] += status.applications_by_outcome[outcome];
    }
    if (status.counts_places) continue;
    for (const PoolStatus& pool : status.pools) {
      totals.granted_cents += pool.granted_units + pool.appeal_granted_units;
    }
  }
  totals.by_outcome[static_cast<std::size_t>(Outcome::rejected)] += unknown_tranche_rejections;
}

std::optional<std::vector<std::uint8_t>> read_key(const AllocateOptions& options,
                                                  std::FILE* errors) {
  if (options.participant_key_path.empty()) return development_key_bytes();
  const Result<std::string> key = read_file_text(options.participant_key_path, 4096);
  if (!key.ok()) {
    fmt::print(errors, "loket allocate: {}\n", key.status().message());
    return std::nullopt;
  }
  if (key->empty()) {
    fmt::print(errors, "loket allocate: {}: the participant key file is empty\n",
               options.participant_key_path);
    return std::nullopt;
  }
  return std::vector<std::uint8_t>(key->begin(), key->end());
}

// The optional journal: a new one in options.data_path, written through a local log. Sets
// `failed` (and reports) when it cannot be; null without --data.
std::unique_ptr<Journal> open_new_journal(const AllocateOptions& options,
                                          const std::string& scheme_text, std::FILE* errors,
                                          bool& failed) {
  failed = false;
  if (options.data_path.empty()) return nullptr;
  JournalOpenResult opened =
      Journal::open(options.data_path, JournalOptions{scheme_text, nullptr, false});
  failed = true;
  if (!opened.ok()) {
    fmt::print(errors, "loket allocate: {}\n", opened.status().message());
    return nullptr;
  }
  if (!opened->created) {
    fmt::print(errors, "loket allocate: {}: already holds a journal; give an empty or new folder\n",
               options.data_path);
    return nullptr;
  }
  failed = false;
  return std::move(opened->journal);
}

// Decides every line of `events` in order, writing the decisions to `out`. Returns the
// error line for the first event that is malformed, out of order or refused.
class EventRun {
 public:
  EventRun(Sequencer& sequencer, std::vector<std::uint8_t> key, std::FILE* out)
      : sequencer_(sequencer), parser_(std::move(key)), out_(out) {}

  std::optional<std::string> decide(std::string_view line);
  void flush_output() {
    std::fwrite(output_.data(), 1, output_.size(), out_);
    output_.clear();
  }
  Totals& totals() { return totals_; }
  std::uint64_t unknown_tranche_rejections() const { return unknown_tranche_rejections_; }

 private:
  Sequencer& sequencer_;
  EventParser parser_;
  std::FILE* out_;
  std::string output_;
  Totals totals_;
  std::uint64_t unknown_tranche_rejections_ = 0;
};

std::optional<std::string> EventRun::decide(std::string_view line) {
  const Result<ParsedEvent> result = parser_.parse(line);
  if (!result.ok()) return result.status().message();
  const ParsedEvent& event = *result;
  if (event.sequence != sequencer_.last_sequence() + 1) {
    return fmt::format("field 'seq': {} where {} was expected (dense, from 1)", event.sequence,
                       sequencer_.last_sequence() + 1);
  }
  // Checked here, so that the Sequencer keeps every event's own time.
  if (event.received_at < sequencer_.allocator().last_timestamp()) {
    return "field 'received_at': earlier than the previous event's";
  }
  const Applied applied = sequencer_.apply(event.command, event.received_at, event.monitoring_json);
  if (applied.refusal != Refusal::none) {
    return fmt::format("refused ({}): {}", to_string(applied.refusal), describe(applied.refusal));
  }
  ++totals_.events;
  for (const Decision& decision : applied.decisions) {
    append_decision_json(output_, sequencer_.allocator().scheme(), event.sequence, decision);
    totals_.transfers += decision.kind == Decision::Kind::transfer ? 1 : 0;
    totals_.carry_overs += decision.kind == Decision::Kind::carry_over ? 1 : 0;
    unknown_tranche_rejections_ += decision.reason == Reason::unknown_tranche ? 1 : 0;
  }
  if (output_.size() >= output_flush_bytes) flush_output();
  return std::nullopt;
}

// Reads the events file line by line into the run; returns the exit code (0: all decided).
int decide_all(const AllocateOptions& options, std::FILE* events, EventRun& run,
               std::FILE* errors) {
  std::uint64_t line_number = 0;
  auto line_error = [&](std::string_view what) {
    fmt::print(errors, "loket allocate: {}:{}: {}\n", options.events_path, line_number, what);
    return 1;
  };
  LineReader lines(events, limits::event_line_bytes_max);
  std::string_view text;
  for (LineReader::Result read; (read = lines.next(text)) != LineReader::Result::end;) {
    ++line_number;
    if (read == LineReader::Result::read_error) break;
    if (read == LineReader::Result::too_long) {
      return line_error(fmt::format("line longer than {} bytes", limits::event_line_bytes_max));
    }
    if (std::optional<std::string> error = run.decide(text)) return line_error(*error);
  }
  if (std::ferror(events)) {
    fmt::print(errors, "loket allocate: {}: read error: {}\n", options.events_path,
               std::strerror(errno));
    return 1;
  }
  return 0;
}

// Waits until the journal holds every event; the note for the summary line, or nothing
// when the journal failed (reported).
std::optional<std::string> finish_journal(const AllocateOptions& options, Sequencer& sequencer,
                                          std::FILE* errors) {
  DurableLog* log = sequencer.log();
  if (log == nullptr) return std::string();
  log->flush();
  const Status durable = log->wait_durable(sequencer.last_sequence());
  if (!durable.is_ok()) {
    fmt::print(errors, "loket allocate: {}: {}\n", options.data_path, durable.message());
    return std::nullopt;
  }
  return fmt::format("; journal {} ({} records in {} synced batches, head {})", options.data_path,
                     log->records_committed(), log->batches_committed(),
                     to_hex(sequencer.head_hash()).substr(0, 16));
}

FilePointer open_events(const AllocateOptions& options) {
  const bool from_stdin = options.events_path == "-";
  return FilePointer(from_stdin ? stdin : std::fopen(options.events_path.c_str(), "rb"),
                     from_stdin ? &no_close : &std::fclose);
}

FilePointer open_out(const AllocateOptions& options) {
  const bool to_stdout = options.out_path.empty();
  return FilePointer(to_stdout ? stdout : std::fopen(options.out_path.c_str(), "wb"),
                     to_stdout ? &no_close : &std::fclose);
}

}  // namespace

int run_allocate(const AllocateOptions& options, std::FILE* errors) {
  const auto started = std::chrono::steady_clock::now();
  const Result<std::string> scheme_text =
      read_file_text(options.scheme_path, limits::scheme_file_bytes_max);
  if (!scheme_text.ok()) {
    fmt::print(errors, "loket allocate: {}\n", scheme_text.status().message());
    return 1;
  }
  Result<Scheme> parsed = parse_scheme(*scheme_text, options.scheme_path);
  if (!parsed.ok()) {
    fmt::print(errors, "loket allocate: {}\n", parsed.status().message());
    return 1;
  }
  auto key = read_key(options, errors);
  if (!key) return 1;
  const FilePointer events = open_events(options);
  const FilePointer out = events ? open_out(options) : FilePointer(nullptr, &no_close);
  if (!events || !out) {
    fmt::print(errors, "loket allocate: {}: cannot {}: {}\n",
               events ? options.out_path : options.events_path, events ? "write" : "read",
               std::strerror(errno));
    return 1;
  }
  bool failed = false;
  const std::unique_ptr<Journal> journal = open_new_journal(options, *scheme_text, errors, failed);
  if (failed) return 1;
  std::unique_ptr<DurableLog> log;
  if (journal) log = std::make_unique<LocalLog>(*journal, GroupCommitLimits{}, nullptr, 0);
  Sequencer sequencer(std::make_unique<Allocator>(std::move(parsed).value()), std::move(log),
                      new_journal_summary(*scheme_text));
  EventRun run(sequencer, std::move(*key), out.get());
  if (decide_all(options, events.get(), run, errors) != 0) return 1;
  run.flush_output();
  if (std::fflush(out.get()) != 0 || std::ferror(out.get())) {
    fmt::print(errors, "loket allocate: {}: write error: {}\n",
               options.out_path.empty() ? "<stdout>" : options.out_path, std::strerror(errno));
    return 1;
  }
  const std::optional<std::string> journal_note = finish_journal(options, sequencer, errors);
  if (!journal_note) return 1;
  Totals& totals = run.totals();
  add_totals(sequencer.allocator(), run.unknown_tranche_rejections(), totals);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(errors,
             "loket allocate: {} events; applications: {} granted, {} pending, {} waitlisted, "
             "{} rejected; {} transfers; {}EUR {} granted; {:.3f} s{}\n",
             totals.events, totals.of(Outcome::granted), totals.of(Outcome::pending),
             totals.of(Outcome::waitlisted), totals.of(Outcome::rejected), totals.transfers,
             totals.carry_overs > 0 ? fmt::format("{} carry-overs; ", totals.carry_overs) : "",
             format_euros(totals.granted_cents), seconds, *journal_note);
  return 0;
}

}  // namespace loket
