// The pieces random scenarios are made of, shared by the one-window generator (scenario.cpp)
// and the successive-windows generator (scenario_windows.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "tests/scenario.hpp"

namespace loket::testing {

inline constexpr std::int64_t scenario_opens_at_ns = 1'614'585'600'000'000'000;    // 2021-03-01
inline constexpr std::int64_t scenario_window_ns = 10LL * 86'400 * 1'000'000'000;  // ten days

std::int64_t pick(std::mt19937_64& random, std::int64_t low, std::int64_t high);

// A random tranche open over the scenario's window; `counts_places` forces its kind.
ScenarioTranche random_tranche(std::mt19937_64& random, int index, const ScenarioOptions& options,
                               bool round_amounts, std::optional<bool> counts_places = {});

std::string scheme_header(bool unique_per_tranche);
std::string tranche_toml(const ScenarioTranche& tranche, const Scenario& scenario);

// A submit event to `tranche` (or to an unknown one), with an amount near its bands.
std::string random_submit(std::mt19937_64& random, const ScenarioOptions& options,
                          const ScenarioTranche& tranche, bool round_amounts, std::int64_t now,
                          const std::string& id, std::int64_t participants);

// Now and then, after a submission to `tranche`: close yesterday (same-day lotteries) or
// hear an appeal on one of `ids`.
void random_operator_events(std::mt19937_64& random, const ScenarioOptions& options,
                            const ScenarioTranche& tranche, std::int64_t now,
                            const std::vector<std::string>& ids, Scenario& scenario);

std::string close_event(std::mt19937_64& random, const ScenarioTranche& tranche, std::int64_t now);

Scenario random_windows_scenario(std::mt19937_64& random, const ScenarioOptions& options);

}  // namespace loket::testing
