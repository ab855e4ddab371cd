// Random scenarios for property tests: a random scheme and a random, valid stream of events
// against it (arrival bursts, duplicates, lottery days, appeals, closes), and now and then a
// scheme of successive windows that carry what they leave over to later ones (R11).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace loket::testing {

struct ScenarioTranche {
  std::string id;
  bool counts_places = false;
  std::int64_t cap = 0;  // places or budget cents
  std::string ranking;   // arrival | same_day_lottery | window_lottery
  std::string fit;       // money only
  std::string spillover;
  std::vector<std::int64_t> band_edges;  // compartment k: [edges[k], edges[k+1]]
  std::vector<int> shares;
  std::int64_t opens_at_ns = 0;              // inclusive
  std::int64_t closes_at_ns = 0;             // exclusive
  std::optional<std::size_t> carry_over_to;  // R11: index of the receiving tranche
};

struct Scenario {
  std::string scheme_toml;
  bool unique_per_tranche = false;
  std::vector<ScenarioTranche> tranches;
  std::vector<std::string> events;  // JSON without "seq", in order, timestamps non-decreasing
};

struct ScenarioOptions {
  bool arrival_only = false;  // every tranche ranked by arrival
  bool valid_only = false;    // every submission passes R2/R3 (duplicates aside)
  bool with_appeals = true;
  int submissions_max = 300;
  // How often (0-100) the scheme is a set of successive windows with carry_over_to (R11)
  // rather than tranches that share one window.
  int windows_percent = 0;
  bool without_day_lottery = false;  // rankings arrival and window_lottery only
};

Scenario random_scenario(std::mt19937_64& random, const ScenarioOptions& options);

}  // namespace loket::testing
