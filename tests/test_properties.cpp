// Properties over random scenarios, each reproducible from the printed seed: the cap holds,
// decisions are deterministic and independent of table sizes, uniqueness holds, `block`
// grants a prefix, and the engine agrees with an independent naive allocator.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "tests/harness.hpp"
#include "tests/reference_allocator.hpp"
#include "tests/scenario.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

constexpr int scenario_count = 300;

struct Run {
  std::vector<std::optional<std::vector<std::string>>> decisions;  // nothing: refused
  std::string all_lines;
  std::vector<TrancheStatus> statuses;  // after the last event
};

Run run(const Scenario& scenario, AllocatorOptions options = {}) {
  Harness harness(scenario.scheme_toml, options);
  Run result;
  for (const std::string& event : scenario.events) {
    result.decisions.push_back(harness.try_apply(event));
    for (const std::string& line : result.decisions.back().value_or(std::vector<std::string>{})) {
      result.all_lines += line + "\n";
    }
  }
  for (std::size_t t = 0; t < harness.allocator().scheme().tranches.size(); ++t) {
    result.statuses.push_back(harness.allocator().tranche_status(t));
  }
  return result;
}

std::uint64_t scenario_seed(int index) {
  return std::uint64_t{Catch::rngSeed()} * 1'000'003 + static_cast<std::uint64_t>(index);
}

struct Final {
  std::string tranche;
  std::string participant;
  std::string outcome;
  std::string reason;
  std::int64_t granted_cents = 0;
};

}  // namespace

TEST_CASE("Properties hold over random scenarios") {
  for (int index = 0; index < scenario_count; ++index) {
    std::mt19937_64 random(scenario_seed(index));
    const Scenario scenario = random_scenario(random, {});
    INFO("scenario seed " << scenario_seed(index) << "\n" << scenario.scheme_toml);
    const Run first = run(scenario);

    // R10: the same inputs give the same bytes, whatever the tables' starting sizes.
    REQUIRE(run(scenario).all_lines == first.all_lines);
    REQUIRE(run(scenario, AllocatorOptions{1}).all_lines == first.all_lines);

    std::map<std::string, Final> finals;
    std::map<std::string, std::int64_t> appeal_cents;  // per tranche
    std::map<std::string, std::int64_t> appeal_places;
    std::set<std::string> appealed;
    std::map<std::string, bool> block_waiting;  // tranche/compartment saw a waitlisted
    for (std::size_t event = 0; event < scenario.events.size(); ++event) {
      const auto& lines = first.decisions[event];
      if (!lines) continue;
      const boost::json::object input = boost::json::parse(scenario.events[event]).as_object();
      const std::string type(input.at("type").as_string());
      const std::string tranche(input.at("tranche").as_string());
      if (type == "appeal") {
        appealed.insert(std::string(input.at("id").as_string()));
        appeal_cents[tranche] += input.at("amount_cents").as_int64();
        appeal_places[tranche] += 1;
      }
      for (const std::string& line : *lines) {
        const boost::json::object decision = boost::json::parse(line).as_object();
        if (decision.contains("type")) continue;  // a transfer
        if (decision.at("id").is_null()) continue;
        const std::string id(decision.at("id").as_string());
        Final& final = finals[id];
        if (type == "submit") {
          final.tranche = tranche;
          final.participant = std::string(input.at("participant").as_string());
        }
        final.outcome = std::string(decision.at("outcome").as_string());
        final.reason =
            decision.at("reason").is_null() ? "" : std::string(decision.at("reason").as_string());
        final.granted_cents = decision.at("granted_cents").as_int64();
        // Under arrival + block, once one waits in a compartment no later one is granted
        // at submission: the granted set is a prefix of the rank order.
        for (const ScenarioTranche& t : scenario.tranches) {
          if (t.id != tranche || t.fit != "block" || t.ranking != "arrival" || type != "submit") {
            continue;
          }
          const std::string key = tranche + "/" +
                                  std::string(decision.at("compartment").is_null()
                                                  ? ""
                                                  : decision.at("compartment").as_string());
          if (final.outcome == "waitlisted") block_waiting[key] = true;
          if (final.outcome == "granted") REQUIRE_FALSE(block_waiting[key]);
        }
      }
    }

    for (std::size_t t = 0; t < scenario.tranches.size(); ++t) {
      const ScenarioTranche& tranche = scenario.tranches[t];
      std::int64_t granted = 0;
      std::uint64_t granted_count = 0;
      std::map<std::string, std::uint64_t> rejected_by_reason;
      for (const auto& [id, final] : finals) {
        if (final.tranche != tranche.id) continue;
        if (final.outcome == "rejected") rejected_by_reason[final.reason] += 1;
        // Every tranche was closed: nothing is left pending or waiting.
        REQUIRE((final.outcome == "granted" || final.outcome == "rejected"));
        if (final.outcome != "granted") continue;
        granted += tranche.counts_places ? 1 : final.granted_cents;
        granted_count += 1;
      }
      // The cap is never exceeded outside appeals (R5, R6, R9).
      const std::int64_t appeals =
          tranche.counts_places ? appeal_places[tranche.id] : appeal_cents[tranche.id];
      REQUIRE(granted - appeals <= tranche.cap);
      // The engine's own counters agree with the decisions it published.
      const TrancheStatus& status = first.statuses[t];
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
      for (const PoolStatus& pool : status.pools) {
        counted += pool.granted_units + pool.appeal_granted_units;
        REQUIRE(pool.granted_units + pool.remaining_units ==
                pool.capacity_units + pool.transferred_in_units - pool.transferred_out_units);
      }
      REQUIRE(counted == granted);
    }

    // R4: among applications granted without appeal, no participant appears twice in scope.
    std::set<std::string> seen;
    for (const auto& [id, final] : finals) {
      if (final.outcome != "granted" || appealed.contains(id) || final.tranche.empty()) continue;
      const std::string scope = scenario.unique_per_tranche ? final.tranche : "";
      REQUIRE(seen.insert(scope + "/" + final.participant).second);
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
      REQUIRE(engine.decisions[event]);
      REQUIRE(*engine.decisions[event] == reference[event]);
    }
  }
}
