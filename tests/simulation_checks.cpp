#include "tests/simulation_checks.hpp"

#include <fmt/format.h>

#include <set>

namespace loket::testing {
namespace {

[[noreturn]] void fail(std::string message) {
  throw SimulationFailure(std::move(message));
}

std::string_view line_at(std::string_view text, std::size_t& position) {
  const std::size_t end = std::min(text.find('\n', position), text.size());
  const std::string_view line = text.substr(position, end - position);
  position = end + 1;
  return line;
}

bool holds(Outcome outcome) {
  return outcome == Outcome::granted || outcome == Outcome::pending ||
         outcome == Outcome::waitlisted;
}

}  // namespace

std::string first_difference(std::string_view expected, std::string_view got) {
  std::size_t expected_at = 0;
  std::size_t got_at = 0;
  for (std::size_t line = 1;; ++line) {
    const bool expected_more = expected_at < expected.size();
    const bool got_more = got_at < got.size();
    if (!expected_more && !got_more) return "no difference";
    const std::string_view left = expected_more ? line_at(expected, expected_at) : "<end>";
    const std::string_view right = got_more ? line_at(got, got_at) : "<end>";
    if (left != right) {
      return fmt::format("line {}:\n  expected: {:.600}\n  got:      {:.600}", line, left, right);
    }
  }
}

void require_same(std::string_view what, std::string_view expected, std::string_view got) {
  if (expected != got) fail(fmt::format("{} differs at {}", what, first_difference(expected, got)));
}

std::string state_text(const Allocator& allocator, std::span<const std::string> application_ids) {
  std::string text =
      fmt::format("sequence {} timestamp {} applications {}\n", allocator.last_sequence(),
                  allocator.last_timestamp(), allocator.application_count());
  auto out = std::back_inserter(text);
  for (std::size_t index = 0; index < allocator.scheme().tranches.size(); ++index) {
    const TrancheStatus status = allocator.tranche_status(index);
    fmt::format_to(out, "tranche {} closed {} outcomes {} rejected {} pending {} on {} days\n",
                   index, status.closed, fmt::join(status.applications_by_outcome, " "),
                   fmt::join(status.rejected_by_reason, " "), status.pending_applications,
                   status.pending_days);
    for (const PoolStatus& pool : status.pools) {
      fmt::format_to(out,
                     "  pool '{}' capacity {} remaining {} granted {} on appeal {} in {} out {} "
                     "unmet {}\n",
                     pool.compartment_id, pool.capacity_units, pool.remaining_units,
                     pool.granted_units, pool.appeal_granted_units, pool.transferred_in_units,
                     pool.transferred_out_units, pool.unmet_units);
    }
  }
  for (const std::string& id : application_ids) {
    const auto found = allocator.find_application(id);
    if (!found) {
      fmt::format_to(out, "{} unknown\n", id);
      continue;
    }
    fmt::format_to(out, "{} tranche {} compartment {} {} {} requested {} granted {}\n", id,
                   found->tranche_index, found->compartment_index, to_string(found->outcome),
                   to_string(found->reason), found->requested_units, found->granted_units);
  }
  return text;
}

Invariants::Invariants(const Scenario& scenario)
    : scenario_(scenario),
      appeal_units_(scenario.tranches.size(), 0),
      carried_units_(scenario.tranches.size(), 0) {}

void Invariants::accepted(const Command& command, std::span<const Decision> decisions,
                          const Allocator& allocator) {
  if (allocator.last_sequence() != last_sequence_ + 1) {
    fail(fmt::format("sequence {} follows {}: not dense", allocator.last_sequence(),
                     last_sequence_));
  }
  last_sequence_ = allocator.last_sequence();
  if (const auto* submit = std::get_if<SubmitCommand>(&command)) {
    if (decisions.size() != 1 || decisions.front().kind != Decision::Kind::application) {
      fail(fmt::format("a submission got {} decisions", decisions.size()));
    }
    const Decision& decision = decisions.front();
    if (!decision.application_id.empty()) {
      const std::string id(decision.application_id);
      if (!applications_.emplace(id, Tracked{decision.tranche_index, submit->participant}).second) {
        fail(fmt::format("application {} was decided as a new submission twice", id));
      }
      ids_in_order_.push_back(id);
    }
  } else if (const auto* appeal = std::get_if<AppealCommand>(&command)) {
    appealed(*appeal, decisions);
  }
  std::vector<std::string> touched_holders;
  std::set<std::size_t> touched_tranches;
  for (const Decision& decision : decisions) {
    decided(decision, touched_holders);
    if (decision.tranche_index < scenario_.tranches.size()) {
      touched_tranches.insert(decision.tranche_index);
    }
  }
  for (const std::string& holder : touched_holders) {
    if (holders_[holder] > 1) {
      fail(fmt::format("a participant holds {} applications in one scope after sequence {}",
                       holders_[holder], last_sequence_));
    }
  }
  for (const std::size_t tranche : touched_tranches) check_pools(allocator, tranche);
}

void Invariants::refused(const Command& command, Refusal refusal, const Allocator& allocator,
                         std::size_t applications_before) {
  if (allocator.last_sequence() != last_sequence_ ||
      allocator.application_count() != applications_before) {
    fail(fmt::format("a refused command ({}) changed the state", to_string(refusal)));
  }
  const auto* submit = std::get_if<SubmitCommand>(&command);
  if (submit == nullptr) return;
  // Only a reused id may refuse a submission (at these sizes, capacity never runs out).
  if (refusal != Refusal::duplicate_application_id ||
      !applications_.contains(std::string(submit->application_id))) {
    fail(fmt::format("submission '{}' refused: {}", submit->application_id, to_string(refusal)));
  }
}

void Invariants::appealed(const AppealCommand& appeal, std::span<const Decision> decisions) {
  const std::string id(appeal.application_id);
  const auto found = applications_.find(id);
  if (found == applications_.end() || decisions.size() != 1) {
    fail(fmt::format("appeal for {} accepted with {} decisions", id, decisions.size()));
  }
  Tracked& tracked = found->second;
  const Decision& decision = decisions.front();
  const std::string key = fmt::format("{}/{}/{}", appeal.tranche_id, id, appeal.reference);
  const std::int64_t granted_now = decision.granted_cents - tracked.granted_cents;
  if (appeal_granted_.contains(key) && granted_now != 0) {
    fail(
        fmt::format("the same appeal (tranche {}, id {}, reference '{:.40}') was granted again: "
                    "{} cents the first time, {} cents now (R9: it counts once)",
                    appeal.tranche_id, id, appeal.reference, appeal_granted_[key], granted_now));
  }
  appeal_granted_[key] += granted_now;
  const bool places = scenario_.tranches.at(tracked.tranche).counts_places;
  appeal_units_.at(tracked.tranche) +=
      places ? (tracked.outcome != Outcome::granted && decision.outcome == Outcome::granted)
             : granted_now;
  if (!tracked.appealed) {
    std::vector<std::string> ignored;
    if (holds(tracked.outcome)) hold(tracked, -1, ignored);
    tracked.appealed = true;
  }
}

void Invariants::decided(const Decision& decision, std::vector<std::string>& touched_holders) {
  if (decision.kind == Decision::Kind::carry_over) {
    if (decision.amount_cents <= 0) fail("a carry-over that moves nothing");
    carried_units_.at(decision.tranche_index) -= decision.amount_cents;
    carried_units_.at(decision.to_tranche) += decision.amount_cents;
    return;
  }
  if (decision.kind != Decision::Kind::application || decision.application_id.empty()) return;
  const auto found = applications_.find(std::string(decision.application_id));
  if (found == applications_.end()) {
    fail(fmt::format("a decision for {}, which was never submitted", decision.application_id));
  }
  Tracked& tracked = found->second;
  if (!tracked.appealed) {
    if (holds(tracked.outcome)) hold(tracked, -1, touched_holders);
    if (holds(decision.outcome)) hold(tracked, +1, touched_holders);
  }
  tracked.outcome = decision.outcome;
  tracked.granted_cents = decision.granted_cents;
}

void Invariants::hold(const Tracked& tracked, int change,
                      std::vector<std::string>& touched_holders) {
  if (!tracked.participant || tracked.tranche >= scenario_.tranches.size()) return;
  const std::string scope =
      scenario_.unique_per_tranche ? scenario_.tranches[tracked.tranche].id : std::string();
  std::string key = scope + '/';
  key.append(reinterpret_cast<const char*>(tracked.participant->data()),
             tracked.participant->size());
  holders_[key] += change;
  touched_holders.push_back(std::move(key));
}

void Invariants::check_pools(const Allocator& allocator, std::size_t tranche) const {
  const TrancheStatus status = allocator.tranche_status(tranche);
  for (const PoolStatus& pool : status.pools) {
    // R11: what earlier windows carried in is budget too; what this one carried out is not.
    const std::int64_t available = pool.capacity_units + pool.transferred_in_units -
                                   pool.transferred_out_units + pool.carried_in_units -
                                   pool.carried_out_units;
    if (pool.remaining_units < 0 || pool.granted_units > available ||
        pool.granted_units + pool.remaining_units != available) {
      fail(fmt::format(
          "tranche {} pool '{}' after sequence {}: granted {} remaining {} of {} available",
          scenario_.tranches[tranche].id, pool.compartment_id, last_sequence_, pool.granted_units,
          pool.remaining_units, available));
    }
  }
}

void Invariants::finished(const Allocator& allocator) const {
  std::vector<std::int64_t> granted_units(scenario_.tranches.size(), 0);
  std::vector<std::uint64_t> granted_count(scenario_.tranches.size(), 0);
  for (const auto& [id, tracked] : applications_) {
    if (tracked.tranche >= scenario_.tranches.size()) continue;
    if (tracked.outcome != Outcome::granted && tracked.outcome != Outcome::rejected) {
      fail(
          fmt::format("{} is still {} after every tranche closed", id, to_string(tracked.outcome)));
    }
    if (tracked.outcome != Outcome::granted) continue;
    const bool places = scenario_.tranches[tracked.tranche].counts_places;
    granted_units[tracked.tranche] += places ? 1 : tracked.granted_cents;
    granted_count[tracked.tranche] += 1;
  }
  for (std::size_t index = 0; index < scenario_.tranches.size(); ++index) {
    const ScenarioTranche& tranche = scenario_.tranches[index];
    const TrancheStatus status = allocator.tranche_status(index);
    if (!status.closed) fail(fmt::format("tranche {} is open after its close", tranche.id));
    // The cap as the decisions made it: configured, plus carried in, minus carried out.
    const std::int64_t cap = tranche.cap + carried_units_[index];
    if (granted_units[index] - appeal_units_[index] > cap) {
      fail(fmt::format("tranche {} granted {} (of which {} on appeal) over its cap of {}",
                       tranche.id, granted_units[index], appeal_units_[index], cap));
    }
    std::int64_t counted = 0;
    for (const PoolStatus& pool : status.pools) {
      counted += pool.granted_units + pool.appeal_granted_units;
    }
    const auto engine_granted =
        status.applications_by_outcome[static_cast<std::size_t>(Outcome::granted)];
    if (counted != granted_units[index] || engine_granted != granted_count[index]) {
      fail(fmt::format(
          "tranche {}: the decisions grant {} units to {} applications, the engine counts {} "
          "units and {} applications",
          tranche.id, granted_units[index], granted_count[index], counted, engine_granted));
    }
  }
}

}  // namespace loket::testing
