// The whole pipeline under a seeded storm of commands, in the spirit of TigerBeetle's VOPR.
// Each run draws a workload (tests/simulation_workload.hpp) and drives it through what the
// server does with a command: decide (Allocator::apply), seal (encode_record on the hash
// chain) and journal (Journal + GroupCommitter in a temporary folder), with restarts that
// recover from the journal midway. Then it recovers, audits, exports (JSON lines and CSV, as
// `loket export`) and allocates the exported events again (as `loket allocate`), and asserts
// that everything agrees byte for byte (tests/simulation_checks.hpp for the invariants).
//
//   loket_simulation --seed 7 --runs 100 --events-max 20000 --pending-max 300000
//
// Exit 0 when every run held; 1 with the seed and the first thing that differed; an abort
// prints the seed, the stage and the event it was on. docs/reliability.md has figures.
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstring>
#include <optional>
#include <random>

#include "core/local_log.hpp"
#include "core/recovery.hpp"
#include "core/sequencer.hpp"
#include "engine/limits.hpp"
#include "parse/event_json.hpp"
#include "parse/scheme_toml.hpp"
#include "storage/format.hpp"
#include "tests/simulation_afterwards.hpp"
#include "tests/simulation_checks.hpp"
#include "tests/simulation_workload.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

// --- What an abort prints: set before each stage, read by the signal handler. ---
struct Whereabouts {
  const char* stage = "starting";
  std::uint64_t event = 0;
  const std::string* line = nullptr;
  std::string rerun;
};
Whereabouts whereabouts;

void write_text(const char* text, std::size_t length) {
  while (length > 0) {
    const ssize_t written = ::write(STDERR_FILENO, text, length);
    if (written <= 0) return;
    text += written;
    length -= static_cast<std::size_t>(written);
  }
}
void write_text(const char* text) {
  write_text(text, std::strlen(text));
}

void on_fatal_signal(int signal_number) {
  char number[24];
  std::size_t at = sizeof(number);
  std::uint64_t value = whereabouts.event;
  do {
    number[--at] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0 && at > 0);
  write_text("\nloket_simulation: died (signal) while ");
  write_text(whereabouts.stage);
  if (whereabouts.line != nullptr) {
    write_text(", event ");
    write_text(number + at, sizeof(number) - at);
    write_text(": ");
    write_text(whereabouts.line->data(), std::min<std::size_t>(whereabouts.line->size(), 400));
  }
  write_text("\nrerun: ");
  write_text(whereabouts.rerun.c_str());
  write_text("\n");
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

struct Figures {
  std::uint64_t events = 0;
  std::uint64_t refused = 0;
  std::uint64_t bad_lines = 0;
  std::uint64_t records = 0;
  std::uint64_t decisions = 0;
  std::array<std::uint64_t, outcome_count> by_outcome{};  // indexed by Outcome's number
  std::uint64_t transfers = 0;
  std::uint64_t carry_overs = 0;  // R11
  std::uint64_t crowd = 0;
  std::uint64_t restarts = 0;
  std::uint64_t split_events = 0;  // journaled in parts: more decisions than a record holds
  double seconds = 0;

  void add(const Figures& run) {
    events += run.events;
    refused += run.refused;
    bad_lines += run.bad_lines;
    records += run.records;
    decisions += run.decisions;
    transfers += run.transfers;
    carry_overs += run.carry_overs;
    crowd += run.crowd;
    restarts += run.restarts;
    split_events += run.split_events;
    seconds += run.seconds;
    for (std::size_t index = 0; index < by_outcome.size(); ++index) {
      by_outcome[index] += run.by_outcome[index];
    }
  }
  std::string text() const {
    return fmt::format(
        "events {} (refused {}, bad lines {}), records {}, decisions {} (granted {}, pending {}, "
        "waitlisted {}, rejected {}; transfers {}, carry-overs {}), crowd {}, split events {}, "
        "restarts {}, {:.2f} s",
        events, refused, bad_lines, records, decisions, by_outcome[1], by_outcome[2], by_outcome[3],
        by_outcome[4], transfers, carry_overs, crowd, split_events, restarts, seconds);
  }
};

// Every other submission carries an Idempotency-Key, as a portal's would. Its tag is derived
// from the sequence, so that the journal can be checked for it without keeping it.
std::optional<IdempotencyTag> idempotency_of(const Command& command, Sequence sequence) {
  if (!std::holds_alternative<SubmitCommand>(command) || sequence % 2 != 0) return std::nullopt;
  const auto hash = [](const std::string& text) {
    return sha256({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  };
  return IdempotencyTag{hash(fmt::format("key {}", sequence)),
                        hash(fmt::format("request {}", sequence))};
}

struct RunSettings {
  std::uint64_t seed = 0;
  WorkloadOptions workload;
};

class Run {
 public:
  explicit Run(const RunSettings& settings)
      : settings_(settings),
        folder_(fmt::format("simulation-{}", settings.seed)),
        workload_(generate_workload(settings.seed, settings.workload)),
        scheme_text_(workload_.scenario.scheme_toml),
        invariants_(workload_.scenario),
        parser_(std::vector<std::uint8_t>{'s', 'i', 'm'}) {}

  Figures go() {
    const auto started = std::chrono::steady_clock::now();
    figures_.crowd = workload_.crowd;
    open_journal();
    std::mt19937_64 restarts(settings_.seed ^ 0x5eed'5eed'5eed'5eedULL);
    const std::size_t count = workload_.events.size();
    std::vector<std::size_t> restart_at = {restarts() % (count + 1), restarts() % (count + 1)};
    if (restarts() % 3 == 0) restart_at.clear();
    for (std::size_t index = 0; index < count; ++index) {
      if (std::find(restart_at.begin(), restart_at.end(), index) != restart_at.end()) restart();
      whereabouts.stage = "deciding, sealing and journaling";
      whereabouts.event = index + 1;
      whereabouts.line = &workload_.events[index].json;
      step(workload_.events[index]);
    }
    whereabouts.line = nullptr;
    whereabouts.stage = "waiting for the last sync";
    wait_durable();
    invariants_.finished(allocator());
    const std::string live_state = state_text(allocator(), invariants_.application_ids());
    const Sha256Digest head_hash = sequencer_->head_hash();
    sequencer_.reset();
    journal_.reset();
    verify_journal(live_state, head_hash);
    whereabouts.stage = "auditing, exporting and allocating again (loket audit, export, allocate)";
    audit_export_and_allocate_again(FinishedRun{folder_, scheme_text_, decision_lines_});
    figures_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return figures_;
  }

 private:
  void open_journal() {
    JournalOpenResult opened =
        Journal::open((folder_ / "journal").string(), JournalOptions{scheme_text_, nullptr, false});
    if (!opened.ok() || !opened->created) {
      throw SimulationFailure("cannot create the journal: " + opened.status().message());
    }
    journal_ = std::move(opened->journal);
    Result<Scheme> parsed = parse_scheme(scheme_text_, "simulation.toml");
    if (!parsed.ok()) {
      throw SimulationFailure("the generated scheme: " + parsed.status().message());
    }
    sequencer_ = std::make_unique<Sequencer>(
        std::make_unique<Allocator>(std::move(parsed).value()),
        std::make_unique<LocalLog>(*journal_, GroupCommitLimits{}, nullptr, 0),
        new_journal_summary(scheme_text_));
  }

  const Allocator& allocator() const { return sequencer_->allocator(); }

  void wait_durable() {
    DurableLog& log = *sequencer_->log();
    log.flush();
    const Status status = log.wait_durable(sequencer_->last_sequence());
    if (!status.is_ok()) throw SimulationFailure("journal: " + status.message());
  }

  void step(const WorkloadEvent& event) {
    figures_.events += 1;
    const Sequence sequence = sequencer_->last_sequence() + 1;
    const std::string line = event.json.starts_with('{')
                                 ? fmt::format("{{\"seq\":{},{}", sequence, event.json.substr(1))
                                 : event.json;
    if (line.size() > limits::event_line_bytes_max) {
      throw SimulationFailure("the generator wrote a line longer than an event may be: " +
                              line.substr(0, 200));
    }
    const Result<ParsedEvent> parsed = parser_.parse(line);
    if (event.bad_line) {
      if (parsed.ok()) throw SimulationFailure("a bad line was read as an event: " + line);
      figures_.bad_lines += 1;
      return;
    }
    if (!parsed.ok()) {
      throw SimulationFailure(fmt::format("the generator wrote an unreadable line ({}): {}",
                                          parsed.status().message(), line));
    }
    const std::size_t applications_before = allocator().application_count();
    // The server's path: the Sequencer decides, seals and hands the records to the log.
    const Applied applied =
        sequencer_->apply(parsed->command, parsed->received_at, parsed->monitoring_json,
                          idempotency_of(parsed->command, sequence));
    if (applied.refusal != Refusal::none) {
      if (!applied.decisions.empty()) throw SimulationFailure("a refused command has decisions");
      invariants_.refused(parsed->command, applied.refusal, allocator(), applications_before);
      figures_.refused += 1;
      return;
    }
    if (applied.sequence != sequence || applied.timestamp != parsed->received_at) {
      throw SimulationFailure("the Sequencer moved an event's sequence or time");
    }
    figures_.records += 1;
    figures_.split_events +=
        applied.decisions.size() > journal_format::decisions_per_part_max ? 1u : 0u;
    for (const Decision& decision : applied.decisions) {
      append_decision_json(decision_lines_, allocator().scheme(), sequence, decision);
      figures_.decisions += 1;
      if (decision.kind == Decision::Kind::transfer) {
        figures_.transfers += 1;
      } else if (decision.kind == Decision::Kind::carry_over) {
        figures_.carry_overs += 1;
      } else {
        figures_.by_outcome[static_cast<std::size_t>(decision.outcome)] += 1;
      }
    }
    invariants_.accepted(parsed->command, applied.decisions, allocator());
  }

  // A restart: what is durable is all there is; the recovered allocator carries on.
  void restart() {
    whereabouts.stage = "restarting: recovering from the journal";
    figures_.restarts += 1;
    wait_durable();
    const std::string live_state = state_text(allocator(), invariants_.application_ids());
    const Sha256Digest head_hash = sequencer_->head_hash();
    sequencer_.reset();
    journal_.reset();
    Recovered recovered = recover(live_state, head_hash);
    journal_ = std::move(recovered.journal);
    sequencer_ = std::make_unique<Sequencer>(
        std::move(recovered.allocator),
        std::make_unique<LocalLog>(*journal_, GroupCommitLimits{}, nullptr,
                                   recovered.summary.last_sequence),
        recovered.summary, std::move(recovered.tree));
  }

  // Recovers the journal as the server does at start-up, and requires the live state.
  // live_state and head_hash: the live run's, which the recovered journal must give again.
  Recovered recover(const std::string& live_state, const Sha256Digest& head_hash) {
    Result<Recovered> result =
        recover_journal((folder_ / "journal").string(), scheme_text_,
                        RecoveryOptions{{}, invariants_.application_ids().size() + 1});
    if (!result.ok()) throw SimulationFailure("recovery: " + result.status().message());
    Recovered recovered = std::move(result).value();
    if (recovered.summary.head_hash != head_hash) {
      throw SimulationFailure("recovery: the journal's head hash is not the live chain's");
    }
    require_same("the recovered state (expected: live)", live_state,
                 state_text(*recovered.allocator, invariants_.application_ids()));
    return recovered;
  }

  void verify_journal(const std::string& live_state, const Sha256Digest& head_hash) {
    whereabouts.stage = "recovering after the last event";
    Recovered recovered = recover(live_state, head_hash);
    std::string journaled;
    Sequence wrong_key = 0;
    const JournalSummary summary =
        verify_records(*recovered.journal, [&](const JournalRecord& record) {
          if (record.idempotency != idempotency_of(record.command, record.sequence)) {
            wrong_key = record.sequence;
            return false;
          }
          for (const Decision& decision : record.decisions) {
            append_decision_json(journaled, recovered.allocator->scheme(), record.sequence,
                                 decision);
          }
          return true;
        });
    if (wrong_key != 0) {
      throw SimulationFailure(
          fmt::format("record {}: not the Idempotency-Key it was sealed with", wrong_key));
    }
    if (summary.problem || summary.records != figures_.records ||
        summary.last_sequence != figures_.records) {
      throw SimulationFailure(
          fmt::format("the journal holds {} records through sequence {} ({}), {} were sealed",
                      summary.records, summary.last_sequence,
                      summary.problem ? summary.problem->what : "verified", figures_.records));
    }
    require_same("the journal's decisions (expected: live)", decision_lines_, journaled);
  }

  const RunSettings& settings_;
  TemporaryFolder folder_;
  Workload workload_;
  const std::string scheme_text_;
  Invariants invariants_;
  EventParser parser_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Sequencer> sequencer_;  // destroyed before journal_: its log stops first
  std::string decision_lines_;            // every decision, as `loket allocate` prints them
  Figures figures_;
};

// Every known bug that is still open, avoided unless named otherwise with --avoid-known.
constexpr std::string_view known_bugs_open = "none";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"loket_simulation: the whole pipeline under a seeded storm of commands"};
  std::uint64_t seed = std::random_device{}();
  std::uint64_t runs = 20;
  std::size_t events_max = 2'000;
  std::size_t pending_max = 2'000;
  std::string avoid_known(known_bugs_open);
  app.add_option("--seed", seed, "the first run's seed; run k uses seed + k");
  app.add_option("--runs", runs, "how many runs");
  app.add_option("--events-max", events_max, "events per run, at most")
      ->check(CLI::Range(1, 1 << 26));
  app.add_option("--pending-max", pending_max,
                 "the largest crowd waiting for one lottery draw (0: none)");
  app.add_option("--avoid-known", avoid_known,
                 fmt::format("known open bugs the generator steers around, comma-separated, or "
                             "'none' (names: {})",
                             fmt::join(known_bug_names, ", ")));
  CLI11_PARSE(app, argc, argv);

  RunSettings settings;
  settings.workload.events_max = events_max;
  settings.workload.pending_max = pending_max;
  for (std::size_t start = 0; avoid_known != "none" && start <= avoid_known.size();) {
    const std::size_t end = std::min(avoid_known.find(',', start), avoid_known.size());
    const std::string_view name = std::string_view(avoid_known).substr(start, end - start);
    const auto bug = known_bug_from_name(name);
    if (!bug) {
      fmt::print(stderr, "loket_simulation: --avoid-known: no known bug is called '{}'\n", name);
      return 2;
    }
    settings.workload.avoid.set(static_cast<std::size_t>(*bug));
    start = end + 1;
  }
  ::signal(SIGABRT, on_fatal_signal);
  ::signal(SIGSEGV, on_fatal_signal);

  Figures total;
  for (std::uint64_t run = 0; run < runs; ++run) {
    settings.seed = seed + run;
    whereabouts = Whereabouts{};
    whereabouts.stage = "generating the workload";
    whereabouts.rerun = fmt::format(
        "loket_simulation --seed {} --runs 1 --events-max {} --pending-max {} --avoid-known {}",
        settings.seed, events_max, pending_max, avoid_known);
    fmt::print("run {} seed {}: ", run + 1, settings.seed);
    std::fflush(stdout);
    try {
      const Figures figures = Run(settings).go();
      fmt::print("{}\n", figures.text());
      total.add(figures);
    } catch (const SimulationFailure& failure) {
      fmt::print("FAILED while {}\n{}\nrerun: {}\n", whereabouts.stage, failure.what(),
                 whereabouts.rerun);
      return 1;
    }
  }
  fmt::print("all {} runs held: {}\n", runs, total.text());
  return 0;
}
