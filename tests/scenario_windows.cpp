// Successive windows (R11): tranches of one kind laid out in levels, each level's window
// opening when the previous one closes (or a little later), and each tranche usually carrying
// what it leaves over into one of the next level's. Closes come late now and then, so a
// receiver that is already open holds waiting applications when its source closes; and an
// operator sometimes tries to close a receiver while a source is still open, which the engine
// must refuse.
#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "engine/civil_time.hpp"
#include "tests/scenario_pieces.hpp"

namespace loket::testing {
namespace {

constexpr std::int64_t day_ns = 86'400LL * 1'000'000'000;

struct OperatorClose {
  std::int64_t at_ns = 0;
  bool expected_refused = false;  // an early try: sorts before the closes at the same time
  int level = 0;                  // a source closes before its receiver at the same time
  std::size_t tranche = 0;
};

bool before(const OperatorClose& left, const OperatorClose& right) {
  return std::tuple(left.at_ns, !left.expected_refused, left.level, left.tranche) <
         std::tuple(right.at_ns, !right.expected_refused, right.level, right.tranche);
}

// Level 0 first; a tranche is at the level of the one before it or one later. Mostly chains,
// sometimes several tranches in one level (several sources into one receiver).
std::vector<int> random_levels(std::mt19937_64& random, int tranche_count) {
  std::vector<int> levels{0};
  while (static_cast<int>(levels.size()) < tranche_count) {
    levels.push_back(levels.back() + (pick(random, 0, 2) == 0 ? 0 : 1));
  }
  return levels;
}

std::vector<std::size_t> sources_of(const Scenario& scenario, std::size_t receiver) {
  std::vector<std::size_t> sources;
  for (std::size_t t = 0; t < scenario.tranches.size(); ++t) {
    if (scenario.tranches[t].carry_over_to == receiver) sources.push_back(t);
  }
  return sources;
}

void lay_out_windows(std::mt19937_64& random, const ScenarioOptions& options,
                     const std::vector<int>& levels, Scenario& scenario) {
  const bool round_amounts = pick(random, 0, 1) == 1;
  const bool counts_places = pick(random, 0, 2) == 0;
  std::vector<std::int64_t> level_opens{scenario_opens_at_ns};
  for (int level = 1; level <= levels.back(); ++level) {
    // Usually the next window opens exactly when this one closes (the boundary case).
    const std::int64_t gap = pick(random, 0, 3) == 0 ? pick(random, 1, 2 * day_ns) : 0;
    level_opens.push_back(level_opens.back() + scenario_window_ns + gap);
  }
  for (std::size_t t = 0; t < levels.size(); ++t) {
    ScenarioTranche tranche =
        random_tranche(random, static_cast<int>(t), options, round_amounts, counts_places);
    tranche.opens_at_ns = level_opens[static_cast<std::size_t>(levels[t])];
    tranche.closes_at_ns = tranche.opens_at_ns + scenario_window_ns;
    // A later window with a small budget of its own soon keeps applications waiting (and a
    // `block` one holds up every arrival), which a carry-over can then serve.
    if (levels[t] > 0 && !tranche.counts_places && pick(random, 0, 2) == 0) {
      tranche.cap = pick(random, 1, 10) * 1'000;
    }
    // Receivers lean to arrival and `block`, where R11 asks most of an open receiver: serve
    // at once, and open a served block compartment to arrivals again.
    if (levels[t] > 0 && pick(random, 0, 1) == 0) tranche.ranking = "arrival";
    if (levels[t] > 0 && !tranche.counts_places && pick(random, 0, 2) == 0) tranche.fit = "block";
    scenario.tranches.push_back(tranche);
  }
  for (std::size_t t = 0; t < levels.size(); ++t) {
    std::vector<std::size_t> receivers;
    for (std::size_t r = 0; r < levels.size(); ++r) {
      if (levels[r] == levels[t] + 1) receivers.push_back(r);
    }
    if (receivers.empty() || pick(random, 0, 4) == 0) continue;
    scenario.tranches[t].carry_over_to =
        receivers[static_cast<std::size_t>(pick(random, 0, std::ssize(receivers) - 1))];
  }
  scenario.scheme_toml = scheme_header(scenario.unique_per_tranche);
  for (const ScenarioTranche& tranche : scenario.tranches) {
    scenario.scheme_toml += tranche_toml(tranche, scenario);
  }
}

// When the operator closes each tranche: at its closes_at or later, never before a source
// (in level order, so a source's time is known first); plus early tries on receivers.
std::vector<OperatorClose> plan_closes(std::mt19937_64& random, const Scenario& scenario,
                                       const std::vector<int>& levels) {
  std::vector<OperatorClose> closes;
  std::vector<std::int64_t> close_at(scenario.tranches.size());
  for (int level = 0; level <= levels.back(); ++level) {
    for (std::size_t t = 0; t < levels.size(); ++t) {
      if (levels[t] != level) continue;
      const ScenarioTranche& tranche = scenario.tranches[t];
      // On time, a little late (a receiver holds a few waiting applications when the source
      // closes, few enough for a carry-over to serve them all), or days late.
      const std::int64_t lateness = pick(random, 0, 2);
      const std::int64_t late = lateness == 0   ? 0
                                : lateness == 1 ? pick(random, 0, day_ns)
                                                : pick(random, 0, scenario_window_ns / 2);
      close_at[t] = tranche.closes_at_ns + late;
      for (const std::size_t source : sources_of(scenario, t)) {
        close_at[t] = std::max(close_at[t], close_at[source]);
        // Closing the receiver before this source is refused, and changes nothing.
        if (pick(random, 0, 1) == 0 && close_at[source] > scenario_opens_at_ns) {
          closes.push_back(
              {pick(random, scenario_opens_at_ns, close_at[source] - 1), true, level, t});
        }
      }
      closes.push_back({close_at[t], false, level, t});
    }
  }
  std::sort(closes.begin(), closes.end(), before);
  return closes;
}

}  // namespace

Scenario random_windows_scenario(std::mt19937_64& random, const ScenarioOptions& options) {
  Scenario scenario;
  scenario.unique_per_tranche = pick(random, 0, 1) == 1;
  const std::vector<int> levels = random_levels(random, static_cast<int>(pick(random, 2, 4)));
  lay_out_windows(random, options, levels, scenario);
  const bool round_amounts = pick(random, 0, 1) == 1;
  const std::vector<OperatorClose> closes = plan_closes(random, scenario, levels);

  const int submissions = static_cast<int>(pick(random, 1, options.submissions_max));
  const std::int64_t participants = pick(random, 1, submissions + 1);
  const std::int64_t span_ns = scenario.tranches.back().closes_at_ns - scenario_opens_at_ns;
  std::int64_t now = scenario_opens_at_ns;
  std::size_t next_close = 0;
  std::vector<std::string> ids;
  for (int number = 1; number <= submissions; ++number) {
    now += pick(random, 0, 2 * span_ns / submissions);
    for (; next_close < closes.size() && closes[next_close].at_ns <= now; ++next_close) {
      const OperatorClose& close = closes[next_close];
      scenario.events.push_back(close_event(random, scenario.tranches[close.tranche], close.at_ns));
    }
    std::vector<std::size_t> open;
    for (std::size_t t = 0; t < scenario.tranches.size(); ++t) {
      const ScenarioTranche& tranche = scenario.tranches[t];
      if (tranche.opens_at_ns <= now && now < tranche.closes_at_ns) open.push_back(t);
    }
    // Between windows nothing is open; outside valid_only a submission may go anywhere.
    const bool anywhere = !options.valid_only && pick(random, 0, 30) == 0;
    if (open.empty() && !anywhere) continue;
    const std::size_t t =
        anywhere ? static_cast<std::size_t>(pick(random, 0, std::ssize(scenario.tranches) - 1))
                 : open[static_cast<std::size_t>(pick(random, 0, std::ssize(open) - 1))];
    ids.push_back(fmt::format("A-{}", number));
    scenario.events.push_back(random_submit(random, options, scenario.tranches[t], round_amounts,
                                            now, ids.back(), participants));
    random_operator_events(random, options, scenario.tranches[t], now, ids, scenario);
  }
  for (; next_close < closes.size(); ++next_close) {
    const OperatorClose& close = closes[next_close];
    scenario.events.push_back(close_event(random, scenario.tranches[close.tranche], close.at_ns));
  }
  return scenario;
}

}  // namespace loket::testing
