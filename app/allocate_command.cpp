#include "app/allocate_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstring>
#include <memory>

#include "app/development_key.hpp"
#include "app/file_text.hpp"
#include "engine/allocator.hpp"
#include "engine/limits.hpp"
#include "parse/event_json.hpp"
#include "parse/scheme_toml.hpp"
#include "storage/csv.hpp"
#include "storage/group_commit.hpp"
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
  std::array<std::uint64_t, 5> by_outcome{};
  std::int64_t granted_cents = 0;
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
  const FileText key = read_file_text(options.participant_key_path, 4096);
  if (!key.text) {
    fmt::print(errors, "loket allocate: {}\n", key.error);
    return std::nullopt;
  }
  if (key.text->empty()) {
    fmt::print(errors, "loket allocate: {}: the participant key file is empty\n",
               options.participant_key_path);
    return std::nullopt;
  }
  return std::vector<std::uint8_t>(key.text->begin(), key.text->end());
}

}  // namespace

int run_allocate(const AllocateOptions& options, std::FILE* errors) {
  const auto started = std::chrono::steady_clock::now();
  const FileText scheme_text = read_file_text(options.scheme_path, limits::scheme_file_bytes_max);
  if (!scheme_text.text) {
    fmt::print(errors, "loket allocate: {}\n", scheme_text.error);
    return 1;
  }
  SchemeParseResult parsed = parse_scheme(*scheme_text.text, options.scheme_path);
  if (!parsed.scheme) {
    fmt::print(errors, "loket allocate: {}\n", parsed.error);
    return 1;
  }
  auto key = read_key(options, errors);
  if (!key) return 1;

  const bool from_stdin = options.events_path == "-";
  FilePointer events(from_stdin ? stdin : std::fopen(options.events_path.c_str(), "rb"),
                     from_stdin ? &no_close : &std::fclose);
  if (!events) {
    fmt::print(errors, "loket allocate: {}: cannot read: {}\n", options.events_path,
               std::strerror(errno));
    return 1;
  }
  const bool to_stdout = options.out_path.empty();
  FilePointer out(to_stdout ? stdout : std::fopen(options.out_path.c_str(), "wb"),
                  to_stdout ? &no_close : &std::fclose);
  if (!out) {
    fmt::print(errors, "loket allocate: {}: cannot write: {}\n", options.out_path,
               std::strerror(errno));
    return 1;
  }

  // The optional journal: every accepted event and its decisions, group-committed.
  std::unique_ptr<Journal> journal;
  std::unique_ptr<GroupCommitter> committer;
  if (!options.data_path.empty()) {
    JournalOpenResult opened =
        Journal::open(options.data_path, JournalOptions{*scheme_text.text, nullptr, false});
    if (!opened.status.is_ok()) {
      fmt::print(errors, "loket allocate: {}\n", opened.status.message());
      return 1;
    }
    if (!opened.created) {
      fmt::print(errors,
                 "loket allocate: {}: already holds a journal; give an empty or new folder\n",
                 options.data_path);
      return 1;
    }
    journal = std::move(opened.journal);
    committer = std::make_unique<GroupCommitter>(*journal, GroupCommitLimits{});
  }
  Sha256Digest head_hash = genesis_hash(*scheme_text.text);
  SealedEvent sealed;

  Allocator allocator(std::move(*parsed.scheme));
  EventParser parser(std::move(*key));
  std::vector<Decision> decisions;
  std::string output;
  Totals totals;
  std::uint64_t unknown_tranche_rejections = 0;
  std::uint64_t line_number = 0;
  auto line_error = [&](std::string_view what) {
    fmt::print(errors, "loket allocate: {}:{}: {}\n", options.events_path, line_number, what);
    return 1;
  };

  LineReader lines(events.get(), limits::event_line_bytes_max);
  std::string_view text;
  for (LineReader::Result read; (read = lines.next(text)) != LineReader::Result::end;) {
    ++line_number;
    if (read == LineReader::Result::read_error) break;
    if (read == LineReader::Result::too_long) {
      return line_error(fmt::format("line longer than {} bytes", limits::event_line_bytes_max));
    }
    const EventParseResult result = parser.parse(text);
    if (!result.event) return line_error(result.error);
    const ParsedEvent& event = *result.event;
    if (event.sequence != allocator.last_sequence() + 1) {
      return line_error(fmt::format("field 'seq': {} where {} was expected (dense, from 1)",
                                    event.sequence, allocator.last_sequence() + 1));
    }
    if (event.received_at < allocator.last_timestamp()) {
      return line_error("field 'received_at': earlier than the previous event's");
    }
    const Refusal refusal =
        allocator.apply(event.command, event.sequence, event.received_at, decisions);
    if (refusal != Refusal::none) {
      return line_error(fmt::format("refused ({}): {}", to_string(refusal), describe(refusal)));
    }
    ++totals.events;
    if (committer) {
      head_hash = seal_event(sealed, event.sequence, event.received_at, event.command,
                             event.monitoring_json, decisions, head_hash);
      committer->append(event.sequence, sealed);
    }
    for (const Decision& decision : decisions) {
      append_decision_json(output, allocator.scheme(), event.sequence, decision);
      totals.transfers += decision.kind == Decision::Kind::transfer ? 1 : 0;
      unknown_tranche_rejections += decision.reason == Reason::unknown_tranche ? 1 : 0;
    }
    if (output.size() >= output_flush_bytes) {
      std::fwrite(output.data(), 1, output.size(), out.get());
      output.clear();
    }
  }
  if (std::ferror(events.get())) {
    fmt::print(errors, "loket allocate: {}: read error: {}\n", options.events_path,
               std::strerror(errno));
    return 1;
  }
  std::fwrite(output.data(), 1, output.size(), out.get());
  if (std::fflush(out.get()) != 0 || std::ferror(out.get())) {
    fmt::print(errors, "loket allocate: {}: write error: {}\n",
               to_stdout ? "<stdout>" : options.out_path, std::strerror(errno));
    return 1;
  }

  std::string journal_note;
  if (committer) {
    committer->flush();
    const Status durable = committer->wait_durable(allocator.last_sequence());
    if (!durable.is_ok()) {
      fmt::print(errors, "loket allocate: {}: {}\n", options.data_path, durable.message());
      return 1;
    }
    journal_note = fmt::format("; journal {} ({} records in {} synced batches, head {})",
                               options.data_path, committer->records_committed(),
                               committer->batches_committed(), to_hex(head_hash).substr(0, 16));
  }
  add_totals(allocator, unknown_tranche_rejections, totals);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(errors,
             "loket allocate: {} events; applications: {} granted, {} pending, {} waitlisted, "
             "{} rejected; {} transfers; EUR {} granted; {:.3f} s{}\n",
             totals.events, totals.by_outcome[1], totals.by_outcome[2], totals.by_outcome[3],
             totals.by_outcome[4], totals.transfers, format_euros(totals.granted_cents), seconds,
             journal_note);
  return 0;
}

}  // namespace loket
