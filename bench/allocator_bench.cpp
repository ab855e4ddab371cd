// Allocator throughput on one thread: 10 million synthetic submissions, decided in arrival
// order, for a places tranche and for a two-compartment money tranche. Commands are built
// before the clock starts (the front end parses and hashes them on other threads), so the
// figure is the single allocator thread's ceiling. Counters report decisions per second and
// heap bytes per held participant. Run: build/release/bench/loket_allocator_bench
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <array>
#include <cstring>
#include <random>

#include "bench/bench_scheme.hpp"
#include "engine/allocator.hpp"
#include "engine/crypto.hpp"

namespace {

using namespace loket;

constexpr std::size_t submission_count = 10'000'000;
constexpr std::int64_t opens_at_ns = 1'606'809'600'000'000'000;  // 2020-12-01T08:00:00Z

// Ids, participant keys and amounts for every submission, made once for all benchmarks.
struct Workload {
  std::string id_bytes;
  std::vector<std::uint32_t> id_offsets;
  std::vector<ParticipantKey> participants;
  std::vector<std::int64_t> amounts_cents;

  Workload() {
    std::mt19937_64 random(20201201);
    std::uniform_int_distribution<std::int64_t> amount(1000, 500000);
    const std::vector<std::uint8_t> key = {'b', 'e', 'n', 'c', 'h'};
    for (std::size_t index = 0; index < submission_count; ++index) {
      id_offsets.push_back(static_cast<std::uint32_t>(id_bytes.size()));
      id_bytes += fmt::format("APP-{:08}", index);
      // Random keys stand in for HMACs: computing 10 million HMACs would dominate set-up.
      ParticipantKey participant;
      for (std::size_t byte = 0; byte < participant.size(); byte += 8) {
        const std::uint64_t word = random();
        std::memcpy(participant.data() + byte, &word, 8);
      }
      participants.push_back(participant);
      amounts_cents.push_back(amount(random));
    }
    id_offsets.push_back(static_cast<std::uint32_t>(id_bytes.size()));
  }

  std::string_view id(std::size_t index) const {
    return std::string_view(id_bytes).substr(id_offsets[index],
                                             id_offsets[index + 1] - id_offsets[index]);
  }
};

const Workload& workload() {
  static const Workload instance;
  return instance;
}

SubmitCommand submit_command(const Workload& work, std::size_t index, bool money) {
  SubmitCommand command;
  command.tranche_id = "t";
  command.application_id = work.id(index);
  command.participant = work.participants[index];
  if (money) command.amount_cents = work.amounts_cents[index];
  return command;
}

// state.range(0): how many commands ahead the loop calls Allocator::prefetch (0: never).
void decide_all(benchmark::State& state, bool money) {
  const auto prefetch_distance = static_cast<std::size_t>(state.range(0));
  const Workload& work = workload();
  std::vector<Decision> decisions;
  decisions.reserve(16);
  std::size_t held = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Allocator allocator(bench_scheme(money), AllocatorOptions{submission_count});
    state.ResumeTiming();
    // Commands are built once each, into a ring ahead of the one being applied, as a
    // server's queue would hold them.
    std::array<Command, 32> ring;
    static_assert(std::tuple_size_v<decltype(ring)> > 16);
    for (std::size_t index = 0; index <= prefetch_distance && index < submission_count; ++index) {
      ring[index % ring.size()] = submit_command(work, index, money);
    }
    for (std::size_t index = 0; index < submission_count; ++index) {
      const std::size_t ahead = index + prefetch_distance;
      if (prefetch_distance > 0 && ahead < submission_count) {
        ring[ahead % ring.size()] = submit_command(work, ahead, money);
        allocator.prefetch(ring[ahead % ring.size()]);
      } else if (prefetch_distance == 0 && index > 0) {
        ring[index % ring.size()] = submit_command(work, index, money);
      }
      const Refusal refusal =
          allocator.apply(ring[index % ring.size()], index + 1,
                          opens_at_ns + static_cast<std::int64_t>(index), decisions);
      benchmark::DoNotOptimize(refusal);
      benchmark::DoNotOptimize(decisions.data());
    }
    state.PauseTiming();
    const TrancheStatus status = allocator.tranche_status(0);
    // Granted, pending and waitlisted applications all hold their participant (R4).
    held = status.applications_by_outcome[static_cast<std::size_t>(Outcome::granted)] +
           status.applications_by_outcome[static_cast<std::size_t>(Outcome::pending)] +
           status.applications_by_outcome[static_cast<std::size_t>(Outcome::waitlisted)];
    bytes = allocator.bytes_used();
    state.ResumeTiming();
  }
  const auto decided = static_cast<double>(state.iterations()) * submission_count;
  state.SetItemsProcessed(static_cast<std::int64_t>(decided));
  state.counters["decisions_per_s"] = benchmark::Counter(decided, benchmark::Counter::kIsRate);
  state.counters["held_participants"] = static_cast<double>(held);
  state.counters["engine_bytes_per_held"] =
      static_cast<double>(bytes) / static_cast<double>(std::max<std::size_t>(held, 1));
}

void places_arrival(benchmark::State& state) {
  decide_all(state, false);
}
void money_two_compartments(benchmark::State& state) {
  decide_all(state, true);
}

// What the front end pays per submission to turn an identifier into its key (R4).
void participant_hmac(benchmark::State& state) {
  const std::vector<std::uint8_t> key(32, 0x42);
  std::size_t index = 0;
  for (auto _ : state) {
    const std::string identifier = fmt::format("participant-{:09}", index++);
    benchmark::DoNotOptimize(participant_key(key, identifier));
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

// Without the prefetch hint, and with it 8 and 16 commands ahead, side by side.
BENCHMARK(places_arrival)
    ->ArgName("prefetch")
    ->Arg(0)
    ->Arg(4)
    ->Arg(8)
    ->Arg(16)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseRealTime();
BENCHMARK(money_two_compartments)
    ->ArgName("prefetch")
    ->Arg(0)
    ->Arg(4)
    ->Arg(8)
    ->Arg(16)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseRealTime();
BENCHMARK(participant_hmac);

BENCHMARK_MAIN();
