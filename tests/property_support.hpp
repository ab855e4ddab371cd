// What the property tests share: running a scenario through the engine, the seed of each
// scenario, and the R11 carry-over invariants (property_support.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/allocator.hpp"
#include "tests/scenario.hpp"

namespace loket::testing {

inline constexpr int scenario_count = 300;

struct Run {
  std::vector<std::optional<std::vector<std::string>>> decisions;  // nothing: refused
  std::string all_lines;
  // After the last event. A pool's compartment_id points into the finished allocator: unused.
  std::vector<TrancheStatus> statuses;
};

Run run(const Scenario& scenario, AllocatorOptions options = {});

std::uint64_t scenario_seed(int index);

// One event's decision lines, one a line, or "refused": readable when two runs differ.
std::string describe(const std::optional<std::vector<std::string>>& lines);

// R11 over one run of a scenario whose tranches were all closed in the end: carry_over
// records come only from accepted closes, last in the source's decisions, to the named
// tranche; what they carry is what the source's pools carried out and what the receiver's
// pools took in, split by the receiver's shares; a source keeps nothing; closing a receiver
// is refused exactly while a source is open.
void check_carry_over(const Scenario& scenario, const Run& engine);

}  // namespace loket::testing
