// Journal figures for docs/benchmarks.md: group-commit throughput with WAL sync on, the rate
// of single-record synced commits (the disk's fsync rate, what group commit amortises), and
// the time to verify and replay a journal of N records (recovery and `loket audit`).
//   build/release/bench/loket_journal_bench [records=1000000] [folder=/tmp/loket-journal-bench]
#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "core/local_log.hpp"
#include "core/sequencer.hpp"
#include "engine/allocator.hpp"
#include "parse/scheme_toml.hpp"
#include "storage/replay.hpp"

using namespace loket;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view scheme_text = R"(
[scheme]
id = "bench"
name = "Opening day"
unique_participant = "scheme"
[[tranche]]
id = "t2"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-07-01T00:00:00Z"
places = 55000
ranking = "arrival"
)";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Scheme scheme() {
  return parse_scheme(scheme_text, "bench").value();
}

// Decides and journals `count` registrations; returns the elapsed seconds.
double write_journal(const std::string& folder, std::uint64_t count, GroupCommitLimits limits) {
  std::filesystem::remove_all(folder);
  JournalOpenResult opened =
      Journal::open(folder, JournalOptions{std::string(scheme_text), nullptr, false});
  if (!opened.ok()) throw std::runtime_error(opened.status().message());
  Sequencer sequencer(std::make_unique<Allocator>(scheme(), AllocatorOptions{count}),
                      std::make_unique<LocalLog>(*opened->journal, limits, nullptr, 0),
                      new_journal_summary(scheme_text));
  DurableLog& log = *sequencer.log();
  std::string id;
  const auto start = Clock::now();
  for (std::uint64_t sequence = 1; sequence <= count; ++sequence) {
    id = fmt::format("REG-{:09}", sequence);
    SubmitCommand submit;
    submit.tranche_id = "t2";
    submit.application_id = id;
    ParticipantKey key{};
    for (std::size_t byte = 0; byte < 8; ++byte)
      key[byte] = static_cast<std::uint8_t>(sequence >> (8 * byte));
    key[9] = 0x5a;
    submit.participant = key;
    const TimestampNs at = 1'606'809'600'000'000'000 + static_cast<TimestampNs>(sequence) * 1000;
    sequencer.apply(submit, at);
    if (limits.batch_records_max == 1) {
      log.flush();
      if (!log.wait_durable(sequence).is_ok()) throw std::runtime_error("write failed");
    }
  }
  log.flush();
  if (!log.wait_durable(count).is_ok()) throw std::runtime_error("write failed");
  const double seconds = seconds_since(start);
  fmt::print("  {} records in {} synced batches (mean {:.0f} records per fsync)\n", count,
             log.batches_committed(),
             static_cast<double>(count) / static_cast<double>(log.batches_committed()));
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t count = argc > 1 ? std::stoull(argv[1]) : 1'000'000;
  const std::string folder = argc > 2 ? argv[2] : "/tmp/loket-journal-bench";

  fmt::print("single-record commits (one fsync each), 2,000 records:\n");
  GroupCommitLimits one;
  one.batch_records_max = 1;
  const double single_seconds = write_journal(folder + "-single", 2000, one);
  fmt::print("  {:.0f} synced commits/s ({:.3f} ms each)\n", 2000 / single_seconds,
             single_seconds * 1000 / 2000);
  std::filesystem::remove_all(folder + "-single");

  fmt::print("group commit, {} registrations decided and journaled:\n", count);
  const double write_seconds = write_journal(folder, count, GroupCommitLimits{});
  fmt::print("  {:.2f} s, {:.0f} records/s durable\n", write_seconds,
             static_cast<double>(count) / write_seconds);

  {
    const auto start = Clock::now();
    JournalOpenResult opened = Journal::open(folder, JournalOptions{{}, nullptr, true});
    const JournalSummary summary = verify_records(*opened->journal);
    const double seconds = seconds_since(start);
    fmt::print(
        "verify only (sequence, checksums, chain): {} records in {:.2f} s, {:.0f} records/s{}\n",
        summary.records, seconds, static_cast<double>(summary.records) / seconds,
        summary.problem ? " PROBLEM" : "");
  }
  {
    const auto start = Clock::now();
    JournalOpenResult opened = Journal::open(folder, JournalOptions{{}, nullptr, false});
    const double open_seconds = seconds_since(start);
    Allocator allocator(scheme(), AllocatorOptions{count});
    const auto replay_start = Clock::now();
    const JournalSummary summary = replay_journal(*opened->journal, allocator);
    const double replay_seconds = seconds_since(replay_start);
    const double seconds = seconds_since(start);
    fmt::print(
        "recovery: {} records in {:.2f} s: RocksDB open {:.2f} s, allocator set-up {:.2f} s, "
        "verify + replay + compare {:.2f} s ({:.0f} records/s){}\n",
        summary.records, seconds, open_seconds, seconds - open_seconds - replay_seconds,
        replay_seconds, static_cast<double>(summary.records) / replay_seconds,
        summary.problem ? " PROBLEM" : "");
  }
  std::uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  fmt::print("journal on disk: {:.1f} MiB ({:.0f} bytes per record)\n",
             static_cast<double>(bytes) / (1 << 20),
             static_cast<double>(bytes) / static_cast<double>(count));
  std::filesystem::remove_all(folder);
  return 0;
}
