#include "tests/property_support.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>

#include "tests/harness.hpp"

namespace loket::testing {

Run run(const Scenario& scenario, AllocatorOptions options) {
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

std::string describe(const std::optional<std::vector<std::string>>& lines) {
  if (!lines) return "refused";
  std::string text;
  for (const std::string& line : *lines) text += line + "\n";
  return text;
}

namespace {

std::size_t tranche_index(const Scenario& scenario, std::string_view id) {
  for (std::size_t t = 0; t < scenario.tranches.size(); ++t) {
    if (scenario.tranches[t].id == id) return t;
  }
  FAIL("no tranche " << id);
  return 0;
}

// R6 applied to a carried amount, computed here rather than taken from the engine.
std::vector<std::int64_t> split_by_shares(const ScenarioTranche& tranche, std::int64_t amount) {
  if (tranche.counts_places) return {amount};
  std::vector<std::int64_t> parts;
  std::int64_t given = 0;
  for (std::size_t c = 0; c + 1 < tranche.shares.size(); ++c) {
    parts.push_back(amount * tranche.shares[c] / 100);
    given += parts.back();
  }
  parts.push_back(amount - given);
  return parts;
}

struct Carried {
  std::vector<std::int64_t> out;                // per tranche, by the records
  std::vector<std::vector<std::int64_t>> into;  // per tranche and compartment, by the records
};

// One accepted close's lines: at most one carry_over, from the closed tranche to the one it
// names, in the unit of its kind; after it only the receiver's applications are decided.
void check_close_lines(const Scenario& scenario, std::size_t closed,
                       const std::vector<std::string>& lines, Carried& carried,
                       const std::map<std::string, std::size_t>& tranche_of_id) {
  const ScenarioTranche& source = scenario.tranches[closed];
  bool carried_already = false;
  for (const std::string& line : lines) {
    const boost::json::object decision = boost::json::parse(line).as_object();
    const auto* type = decision.if_contains("type");
    if (type == nullptr) {
      if (!carried_already || decision.at("id").is_null()) continue;
      REQUIRE(tranche_of_id.at(std::string(decision.at("id").as_string())) ==
              *source.carry_over_to);
      continue;
    }
    if (type->as_string() == "transfer") {
      REQUIRE_FALSE(carried_already);  // spillover (R7) comes before the carry-over
      continue;
    }
    REQUIRE(type->as_string() == "carry_over");
    REQUIRE_FALSE(carried_already);
    carried_already = true;
    REQUIRE(source.carry_over_to);
    REQUIRE(decision.at("from_tranche").as_string() == source.id);
    const std::size_t receiver = tranche_index(scenario, decision.at("to_tranche").as_string());
    REQUIRE(receiver == *source.carry_over_to);
    const std::int64_t amount =
        decision.at(source.counts_places ? "places" : "amount_cents").as_int64();
    REQUIRE(amount > 0);  // nothing moves when nothing is left
    carried.out[closed] += amount;
    const std::vector<std::int64_t> parts = split_by_shares(scenario.tranches[receiver], amount);
    for (std::size_t c = 0; c < parts.size(); ++c) carried.into[receiver][c] += parts[c];
  }
}

}  // namespace

void check_carry_over(const Scenario& scenario, const Run& engine) {
  const std::size_t count = scenario.tranches.size();
  Carried carried{std::vector<std::int64_t>(count, 0), {}};
  for (const ScenarioTranche& tranche : scenario.tranches) {
    carried.into.emplace_back(std::max<std::size_t>(tranche.shares.size(), 1), 0);
  }
  std::vector<bool> closed(count, false);
  std::map<std::string, std::size_t> tranche_of_id;
  for (std::size_t event = 0; event < scenario.events.size(); ++event) {
    const boost::json::object input = boost::json::parse(scenario.events[event]).as_object();
    const std::string type(input.at("type").as_string());
    const auto& lines = engine.decisions[event];
    if (type == "submit" && lines && input.at("tranche").as_string() != "nope") {
      tranche_of_id[std::string(input.at("id").as_string())] =
          tranche_index(scenario, input.at("tranche").as_string());
    }
    if (type != "close") continue;
    INFO(scenario.events[event]);
    const std::size_t t = tranche_index(scenario, input.at("tranche").as_string());
    bool source_open = false;
    for (std::size_t source = 0; source < count; ++source) {
      source_open =
          source_open || (scenario.tranches[source].carry_over_to == t && !closed[source]);
    }
    REQUIRE(lines.has_value() == (!closed[t] && !source_open));
    if (!lines) continue;
    closed[t] = true;
    check_close_lines(scenario, t, *lines, carried, tranche_of_id);
  }
  std::int64_t all_in = 0;
  std::int64_t all_out = 0;
  for (std::size_t t = 0; t < count; ++t) {
    INFO("tranche " << scenario.tranches[t].id);
    const TrancheStatus& status = engine.statuses[t];
    std::int64_t out = 0;
    for (std::size_t c = 0; c < status.pools.size(); ++c) {
      const PoolStatus& pool = status.pools[c];
      REQUIRE(pool.carried_in_units == carried.into[t][c]);
      // A source passes on everything it has left, what it received included.
      if (scenario.tranches[t].carry_over_to) REQUIRE(pool.remaining_units == 0);
      out += pool.carried_out_units;
      all_in += pool.carried_in_units;
    }
    REQUIRE(out == carried.out[t]);
    all_out += out;
  }
  REQUIRE(all_in == all_out);  // nothing is made or lost on the way
}

}  // namespace loket::testing
