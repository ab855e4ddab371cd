// What the decision tree (docs/verify.md) costs the single writer: deciding registrations
// alone and deciding them while growing the tree, side by side; the worst single append;
// the tree's bytes per decision; and what a proof or a checkpoint costs at the end.
// Run: build/release/bench/loket_decision_tree_bench --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "bench/bench_scheme.hpp"
#include "core/decision_tree.hpp"
#include "engine/allocator.hpp"
#include "proof/checkpoint.hpp"

namespace {

using namespace loket;

constexpr std::size_t registration_count = 2'000'000;
constexpr std::int64_t opens_at_ns = 1'606'809'600'000'000'000;  // 2020-12-01T08:00:00Z

// Registration `index`: a 12-character id and a participant key that no other one shares.
SubmitCommand registration(std::string& id, std::size_t index) {
  id = fmt::format("APP-{:08}", index);
  SubmitCommand command;
  command.tranche_id = "t";
  command.application_id = id;
  ParticipantKey participant{};
  std::memcpy(participant.data(), &index, sizeof index);
  participant[sizeof index] = 0x5a;
  command.participant = participant;
  return command;
}

// state.range(0): 1 grows the tree with every decision, as the Sequencer does; 0 does not.
void decide(benchmark::State& state) {
  const bool with_tree = state.range(0) != 0;
  const Scheme scheme = bench_scheme(false);
  std::vector<Decision> decisions;
  std::string id;
  std::size_t tree_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Allocator allocator(bench_scheme(false), AllocatorOptions{registration_count});
    DecisionTree tree;
    state.ResumeTiming();
    for (std::size_t index = 0; index < registration_count; ++index) {
      const std::uint64_t sequence = index + 1;
      const Refusal refusal =
          allocator.apply(registration(id, index), sequence,
                          opens_at_ns + static_cast<TimestampNs>(index), decisions);
      benchmark::DoNotOptimize(refusal);
      if (with_tree) tree.append(scheme, sequence, decisions);
    }
    benchmark::DoNotOptimize(tree.size());
    tree_bytes = tree.bytes_used();
  }
  const auto decided = static_cast<double>(state.iterations()) * registration_count;
  state.counters["decisions_per_s"] = benchmark::Counter(decided, benchmark::Counter::kIsRate);
  state.counters["tree_bytes_per_decision"] =
      static_cast<double>(tree_bytes) / static_cast<double>(registration_count);
}

// Every append timed on its own: the mean and the worst, which is what a registration
// waiting behind it would feel.
void worst_append(benchmark::State& state) {
  const Scheme scheme = bench_scheme(false);
  Decision decision;
  decision.kind = Decision::Kind::application;
  decision.outcome = Outcome::granted;
  std::string id;
  std::int64_t worst_ns = 0;
  for (auto _ : state) {
    DecisionTree tree;
    for (std::size_t index = 0; index < registration_count; ++index) {
      id = fmt::format("APP-{:08}", index);
      decision.application_id = id;
      const auto start = std::chrono::steady_clock::now();
      tree.append(scheme, index + 1, {&decision, 1});
      const auto took = std::chrono::steady_clock::now() - start;
      const std::int64_t took_ns =
          std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
      worst_ns = std::max<std::int64_t>(worst_ns, took_ns);
    }
    benchmark::DoNotOptimize(tree.size());
  }
  state.counters["worst_append_us"] = static_cast<double>(worst_ns) / 1000.0;
  state.counters["appends_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * registration_count, benchmark::Counter::kIsRate);
}

const MerkleTree& full_tree() {
  static const MerkleTree tree = [] {
    MerkleTree built;
    for (std::size_t index = 0; index < registration_count; ++index) {
      built.append_leaf(fmt::format(R"({{"seq":{},"id":"APP-{:08}"}})", index + 1, index));
    }
    return built;
  }();
  return tree;
}

// An applicant's proof at the tree's full size, for leaves spread over it.
void inclusion_proof(benchmark::State& state) {
  const MerkleTree& tree = full_tree();
  std::uint64_t leaf = 0;
  for (auto _ : state) {
    leaf = (leaf + 7'919) % tree.size();
    benchmark::DoNotOptimize(tree.inclusion_proof(leaf, tree.size()));
  }
}

// What the leader does at every checkpoint: the root, the text and its signature.
void signed_checkpoint(benchmark::State& state) {
  const MerkleTree& tree = full_tree();
  const NoteSignerKey key = generate_signer_key("bench.invalid/checkpoints");
  for (auto _ : state) {
    const Checkpoint checkpoint{checkpoint_origin("bench"), tree.size(), tree.root(tree.size())};
    benchmark::DoNotOptimize(sign_note(key, checkpoint_text(checkpoint)));
  }
}

}  // namespace

BENCHMARK(decide)
    ->ArgName("tree")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->UseRealTime();
BENCHMARK(worst_append)->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);
BENCHMARK(inclusion_proof)->Unit(benchmark::kMicrosecond);
BENCHMARK(signed_checkpoint)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
