#include "tests/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "engine/civil_time.hpp"
#include "tests/scenario_pieces.hpp"

namespace loket::testing {

std::int64_t pick(std::mt19937_64& random, std::int64_t low, std::int64_t high) {
  return std::uniform_int_distribution<std::int64_t>(low, high)(random);
}

ScenarioTranche random_tranche(std::mt19937_64& random, int index, const ScenarioOptions& options,
                               bool round_amounts, std::optional<bool> counts_places) {
  static const char* rankings[] = {"arrival", "window_lottery", "same_day_lottery"};
  static const char* fits[] = {"partial", "skip", "block"};
  ScenarioTranche tranche;
  tranche.id = fmt::format("t{}", index);
  tranche.opens_at_ns = scenario_opens_at_ns;
  tranche.closes_at_ns = scenario_opens_at_ns + scenario_window_ns;
  tranche.counts_places = counts_places ? *counts_places : pick(random, 0, 2) == 0;
  tranche.ranking = options.arrival_only
                        ? "arrival"
                        : rankings[pick(random, 0, options.without_day_lottery ? 1 : 2)];
  if (tranche.counts_places) {
    tranche.cap = pick(random, 1, 40);
    return tranche;
  }
  tranche.cap = pick(random, 1, 200) * 1'000;
  tranche.fit = fits[pick(random, 0, 2)];
  tranche.spillover = pick(random, 0, 3) == 0 ? "none" : "at_close";
  const auto compartments = static_cast<std::size_t>(pick(random, 1, 3));
  tranche.band_edges.push_back(pick(random, 1, 100));
  for (std::size_t k = 0; k < compartments; ++k) {
    tranche.band_edges.push_back(tranche.band_edges.back() + pick(random, 1, 20'000));
  }
  int left = 100;
  for (std::size_t k = 0; k + 1 < compartments; ++k) {
    const int share_max = left - static_cast<int>(compartments - k - 1);
    int share = static_cast<int>(pick(random, 1, share_max));
    if (round_amounts) share = std::max(10, share - share % 10);
    tranche.shares.push_back(std::min(share, share_max));
    left -= tranche.shares.back();
  }
  tranche.shares.push_back(left);
  return tranche;
}

std::string scheme_header(bool unique_per_tranche) {
  return fmt::format("[scheme]\nid = \"random\"\nname = \"Random\"\nunique_participant = \"{}\"\n",
                     unique_per_tranche ? "tranche" : "scheme");
}

std::string tranche_toml(const ScenarioTranche& tranche, const Scenario& scenario) {
  std::string text = fmt::format(
      "[[tranche]]\nid = \"{}\"\nopens_at = \"{}\"\ncloses_at = \"{}\"\nranking = \"{}\"\n",
      tranche.id, format_rfc3339(tranche.opens_at_ns), format_rfc3339(tranche.closes_at_ns),
      tranche.ranking);
  if (tranche.carry_over_to) {
    text +=
        fmt::format("carry_over_to = \"{}\"\n", scenario.tranches.at(*tranche.carry_over_to).id);
  }
  if (tranche.counts_places) return text + fmt::format("places = {}\n", tranche.cap);
  text += fmt::format("budget_cents = {}\nfit = \"{}\"\nspillover = \"{}\"\n", tranche.cap,
                      tranche.fit, tranche.spillover);
  for (std::size_t k = 0; k < tranche.shares.size(); ++k) {
    text += fmt::format(
        "[[tranche.compartment]]\nid = \"c{}\"\nshare_percent = {}\nmin_cents = {}\n"
        "max_cents = {}\n",
        k, tranche.shares[k], tranche.band_edges[k], tranche.band_edges[k + 1]);
  }
  return text;
}

std::string random_submit(std::mt19937_64& random, const ScenarioOptions& options,
                          const ScenarioTranche& tranche, bool round_amounts, std::int64_t now,
                          const std::string& id, std::int64_t participants) {
  const bool unknown = !options.valid_only && pick(random, 0, 40) == 0;
  std::string fields;
  if (!tranche.counts_places || pick(random, 0, 9) == 0) {
    const std::int64_t low = tranche.band_edges.empty() ? 1 : tranche.band_edges.front();
    const std::int64_t high = tranche.band_edges.empty() ? 1000 : tranche.band_edges.back();
    const std::int64_t slack = options.valid_only ? 0 : 10;
    std::int64_t amount = pick(random, low - slack, high + slack);
    // Round amounts in round budgets make exact fits, the boundary of every fit rule, common.
    if (round_amounts && amount > 100) amount -= amount % 100;
    fields = fmt::format(",\"amount_cents\":{}", std::max(amount, low - slack));
  }
  return fmt::format(
      R"({{"type":"submit","received_at":"{}","tranche":"{}","id":"{}","participant":"p{}"{}}})",
      format_rfc3339(now), unknown ? "nope" : tranche.id, id, pick(random, 1, participants),
      fields);
}

void random_operator_events(std::mt19937_64& random, const ScenarioOptions& options,
                            const ScenarioTranche& tranche, std::int64_t now,
                            const std::vector<std::string>& ids, Scenario& scenario) {
  if (tranche.ranking == "same_day_lottery" && pick(random, 0, 5) == 0) {
    const LocalDate yesterday = local_date(now, TimeZone::europe_amsterdam) - 1;
    scenario.events.push_back(fmt::format(
        R"({{"type":"close_day","received_at":"{}","tranche":"{}","date":"{}","seed":"{:016x}"}})",
        format_rfc3339(now), tranche.id, format_date(yesterday), random()));
  }
  if (options.with_appeals && pick(random, 0, 30) == 0) {
    scenario.events.push_back(fmt::format(
        R"({{"type":"appeal","received_at":"{}","tranche":"{}","id":"{}","amount_cents":{},"reference":"R-{}"}})",
        format_rfc3339(now), tranche.id,
        ids[static_cast<std::size_t>(pick(random, 0, static_cast<std::int64_t>(ids.size()) - 1))],
        tranche.counts_places ? 0 : pick(random, 1, 500), ids.size()));
  }
}

std::string close_event(std::mt19937_64& random, const ScenarioTranche& tranche, std::int64_t now) {
  return fmt::format(R"({{"type":"close","received_at":"{}","tranche":"{}","seed":"{:016x}"}})",
                     format_rfc3339(now), tranche.id, random());
}

Scenario random_scenario(std::mt19937_64& random, const ScenarioOptions& options) {
  // Drawn only when asked for, so that schemes without windows stay what their seeds gave.
  if (options.windows_percent > 0 && pick(random, 1, 100) <= options.windows_percent) {
    return random_windows_scenario(random, options);
  }
  Scenario scenario;
  const bool round_amounts = pick(random, 0, 1) == 1;
  scenario.unique_per_tranche = pick(random, 0, 1) == 1;
  const int tranche_count = static_cast<int>(pick(random, 1, 3));
  scenario.scheme_toml = scheme_header(scenario.unique_per_tranche);
  for (int index = 0; index < tranche_count; ++index) {
    scenario.tranches.push_back(random_tranche(random, index, options, round_amounts));
    scenario.scheme_toml += tranche_toml(scenario.tranches.back(), scenario);
  }

  const int submissions = static_cast<int>(pick(random, 1, options.submissions_max));
  const std::int64_t participants = pick(random, 1, submissions + 1);
  std::int64_t now = scenario_opens_at_ns - (options.valid_only ? 0 : 3'600'000'000'000);
  const std::int64_t step_max = scenario_window_ns / submissions;
  std::vector<std::string> ids;
  for (int number = 1; number <= submissions; ++number) {
    now += pick(random, 0, step_max);
    const ScenarioTranche& tranche =
        scenario.tranches[static_cast<std::size_t>(pick(random, 0, tranche_count - 1))];
    ids.push_back(fmt::format("A-{}", number));
    scenario.events.push_back(
        random_submit(random, options, tranche, round_amounts, now, ids.back(), participants));
    random_operator_events(random, options, tranche, now, ids, scenario);
  }
  now += scenario_window_ns;
  for (const ScenarioTranche& tranche : scenario.tranches) {
    scenario.events.push_back(close_event(random, tranche, now));
  }
  return scenario;
}

}  // namespace loket::testing
