// Properties over random scenarios, each reproducible from the printed seed: the cap holds,
// decisions are deterministic and independent of table sizes, uniqueness holds, `block`
// grants a prefix, carry-over between windows conserves what it moves (R11), and the engine
// agrees with an independent naive allocator.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "tests/harness.hpp"
#include "tests/property_support.hpp"
#include "tests/reference_allocator.hpp"
#include "tests/scenario.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

struct Final {
  std::string tranche;
  std::string participant;
  std::string outcome;
  std::string reason;
  std::string compartment;
  std::int64_t granted_cents = 0;
};

struct Seen {
  std::map<std::string, Final> finals;
  std::map<std::string, std::int64_t> appeal_cents;  // per tranche
  std::map<std::string, std::int64_t> appeal_places;
  std::set<std::string> appealed;
  std::map<std::string, bool> block_waiting;  // tranche/compartment has a waitlisted
};

// Several windows with carry-over (R11) in a good part of the scenarios.
constexpr ScenarioOptions with_windows{.windows_percent = 40};

const ScenarioTranche& tranche_named(const Scenario& scenario, std::string_view id) {
  for (const ScenarioTranche& tranche : scenario.tranches) {
    if (tranche.id == id) return tranche;
  }
  FAIL("no tranche " << id);
  return scenario.tranches.front();
}

// R11: a carry-over that serves every waiting application of an arrival `block` compartment
// opens it to new arrivals again, so the granted prefix starts anew there.
void reopen_served_blocks(const std::string& receiver, Seen& seen) {
  for (auto& [key, waiting] : seen.block_waiting) {
    if (!key.starts_with(receiver + "/")) continue;
    waiting = false;
    for (const auto& [id, final] : seen.finals) {
      if (final.tranche + "/" + final.compartment == key && final.outcome == "waitlisted") {
        waiting = true;
      }
    }
  }
}

void see_decision(const Scenario& scenario, const boost::json::object& input,
                  const boost::json::object& decision, Seen& seen) {
  const std::string type(input.at("type").as_string());
  const std::string tranche(input.at("tranche").as_string());
  Final& final = seen.finals[std::string(decision.at("id").as_string())];
  if (type == "submit") {
    final.tranche = tranche;
    final.participant = std::string(input.at("participant").as_string());
    final.compartment =
        decision.at("compartment").is_null() ? "" : decision.at("compartment").as_string();
  }
  final.outcome = std::string(decision.at("outcome").as_string());
  final.reason =
      decision.at("reason").is_null() ? "" : std::string(decision.at("reason").as_string());
  final.granted_cents = decision.at("granted_cents").as_int64();
  // Under arrival + block, once one waits in a compartment no later one is granted at
  // submission: the granted set is a prefix of the rank order.
  if (type != "submit" || tranche == "nope") return;
  const ScenarioTranche& rules = tranche_named(scenario, tranche);
  if (rules.fit != "block" || rules.ranking != "arrival") return;
  const std::string key = tranche + "/" + final.compartment;
  if (final.outcome == "waitlisted") seen.block_waiting[key] = true;
  if (final.outcome == "granted") REQUIRE_FALSE(seen.block_waiting[key]);
}

Seen see_all(const Scenario& scenario, const Run& first) {
  Seen seen;
  for (std::size_t event = 0; event < scenario.events.size(); ++event) {
    const auto& lines = first.decisions[event];
    if (!lines) continue;
    const boost::json::object input = boost::json::parse(scenario.events[event]).as_object();
    const std::string tranche(input.at("tranche").as_string());
    if (input.at("type").as_string() == "appeal") {
      seen.appealed.insert(std::string(input.at("id").as_string()));
      seen.appeal_cents[tranche] += input.at("amount_cents").as_int64();
      seen.appeal_places[tranche] += 1;
    }
    for (const std::string& line : *lines) {
      const boost::json::object decision = boost::json::parse(line).as_object();
      if (decision.contains("type")) continue;  // a transfer or a carry-over
      if (decision.at("id").is_null()) continue;
      see_decision(scenario, input, decision, seen);
    }
    for (const std::string& line : *lines) {
      const boost::json::object decision = boost::json::parse(line).as_object();
      if (!decision.contains("type") || decision.at("type").as_string() != "carry_over") continue;
      reopen_served_blocks(std::string(decision.at("to_tranche").as_string()), seen);
    }
  }
  return seen;
}

void check_tranche(const ScenarioTranche& tranche, const TrancheStatus& status, Seen& seen) {
  INFO("tranche " << tranche.id);
  std::int64_t granted = 0;
  std::uint64_t granted_count = 0;
  std::map<std::string, std::uint64_t> rejected_by_reason;
  for (const auto& [id, final] : seen.finals) {
    if (final.tranche != tranche.id) continue;
    if (final.outcome == "rejected") rejected_by_reason[final.reason] += 1;
    // Every tranche was closed: nothing is left pending or waiting.
    REQUIRE((final.outcome == "granted" || final.outcome == "rejected"));
    if (final.outcome != "granted") continue;
    granted += tranche.counts_places ? 1 : final.granted_cents;
    granted_count += 1;
  }
  // The engine's own counters agree with the decisions it published.
  REQUIRE(status.closed);
  REQUIRE(status.applications_by_outcome[static_cast<std::size_t>(Outcome::granted)] ==
          granted_count);
  REQUIRE(status.pending_applications == 0);
  REQUIRE(status.pending_days == 0);
  for (auto reason = std::size_t{1}; reason < reason_count; ++reason) {
    const std::string name(to_string(static_cast<Reason>(reason)));
    const auto found = rejected_by_reason.find(name);
    REQUIRE(status.rejected_by_reason[reason] ==
            (found == rejected_by_reason.end() ? 0 : found->second));
  }
  std::int64_t counted = 0;
  std::int64_t carried_in = 0;
  std::int64_t carried_out = 0;
  for (const PoolStatus& pool : status.pools) {
    counted += pool.granted_units + pool.appeal_granted_units;
    carried_in += pool.carried_in_units;
    carried_out += pool.carried_out_units;
    REQUIRE(pool.remaining_units >= 0);
    REQUIRE(pool.granted_units + pool.remaining_units ==
            pool.capacity_units + pool.transferred_in_units - pool.transferred_out_units +
                pool.carried_in_units - pool.carried_out_units);
  }
  REQUIRE(counted == granted);
  // The cap, grown by what earlier windows carried in and less what went on to a later one,
  // is never exceeded outside appeals (R5, R6, R9, R11).
  const std::int64_t appeals =
      tranche.counts_places ? seen.appeal_places[tranche.id] : seen.appeal_cents[tranche.id];
  REQUIRE(granted - appeals <= tranche.cap + carried_in - carried_out);
}

}  // namespace

TEST_CASE("Properties hold over random scenarios") {
  for (int index = 0; index < scenario_count; ++index) {
    std::mt19937_64 random(scenario_seed(index));
    const Scenario scenario = random_scenario(random, with_windows);
    INFO("scenario seed " << scenario_seed(index) << "\n" << scenario.scheme_toml);
    const Run first = run(scenario);

    // R10: the same inputs give the same bytes, whatever the tables' starting sizes.
    REQUIRE(run(scenario).all_lines == first.all_lines);
    REQUIRE(run(scenario, AllocatorOptions{1}).all_lines == first.all_lines);

    Seen seen = see_all(scenario, first);
    for (std::size_t t = 0; t < scenario.tranches.size(); ++t) {
      check_tranche(scenario.tranches[t], first.statuses[t], seen);
    }
    check_carry_over(scenario, first);

    // R4: among applications granted without appeal, no participant appears twice in scope.
    std::set<std::string> holders;
    for (const auto& [id, final] : seen.finals) {
      if (final.outcome != "granted" || seen.appealed.contains(id) || final.tranche.empty()) {
        continue;
      }
      const std::string scope = scenario.unique_per_tranche ? final.tranche : "";
      REQUIRE(holders.insert(scope + "/" + final.participant).second);
    }
  }
}

TEST_CASE("The engine agrees with an independent naive allocator on arrival scenarios") {
  for (int index = 0; index < scenario_count; ++index) {
    std::mt19937_64 random(scenario_seed(index));
    const Scenario scenario = random_scenario(random, ScenarioOptions{true, true, false, 200});
    INFO("scenario seed " << scenario_seed(index) << "\n" << scenario.scheme_toml);
    const Run engine = run(scenario);
    const auto reference = reference_decisions(scenario);
    REQUIRE(engine.decisions.size() == reference.size());
    for (std::size_t event = 0; event < reference.size(); ++event) {
      INFO(scenario.events[event]);
      REQUIRE(describe(engine.decisions[event]) == describe(reference[event]));
    }
  }
}
