#include "tests/reference_allocator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <stdexcept>

#include "tests/harness.hpp"
#include "tests/reference_model.hpp"

namespace loket::testing {

ReferenceModel::ReferenceModel(const Scenario& rules) : scenario(rules) {
  for (const ScenarioTranche& tranche : scenario.tranches) {
    const std::size_t count = std::max<std::size_t>(tranche.shares.size(), 1);
    tranches.push_back({std::vector<std::int64_t>(count, 0), std::vector<std::int64_t>(count, 0),
                        std::vector<bool>(count, false), false});
  }
}

std::int64_t ReferenceModel::budget(std::size_t t, std::size_t c) const {
  const ScenarioTranche& tranche = scenario.tranches[t];
  if (tranche.counts_places) return tranche.cap;
  std::int64_t given = 0;
  for (std::size_t k = 0; k + 1 < tranche.shares.size(); ++k) {
    const std::int64_t share = tranche.cap * tranche.shares[k] / 100;
    if (k == c) return share;
    given += share;
  }
  return tranche.cap - given;
}

std::int64_t ReferenceModel::remaining(std::size_t t, std::size_t c) const {
  std::int64_t left = budget(t, c) + tranches[t].moved[c] + tranches[t].carried[c];
  for (const ReferenceApplication& application : applications) {
    if (application.tranche == t && application.compartment == c) left -= application.granted;
  }
  return left;
}

bool ReferenceModel::waiting(const ReferenceApplication& application) const {
  return application.outcome == "waitlisted" ||
         (application.outcome == "granted" && application.granted < application.amount);
}

bool ReferenceModel::has_unmet(std::size_t t, std::size_t c) const {
  return std::any_of(applications.begin(), applications.end(), [&](const auto& application) {
    return application.tranche == t && application.compartment == c && waiting(application);
  });
}

std::vector<std::size_t> ReferenceModel::in_rank_order(std::size_t t, std::size_t c) const {
  std::vector<std::size_t> ranked;
  for (std::size_t index = 0; index < applications.size(); ++index) {
    const ReferenceApplication& application = applications[index];
    if (application.tranche == t && application.compartment == c && application.rank > 0) {
      ranked.push_back(index);
    }
  }
  std::sort(ranked.begin(), ranked.end(), [&](std::size_t left, std::size_t right) {
    return applications[left].rank < applications[right].rank;
  });
  return ranked;
}

// Every submission here is valid, so every money application has a compartment.
void ReferenceModel::emit(const ReferenceApplication& application, const std::string& reason) {
  const bool places = scenario.tranches[application.tranche].counts_places;
  out->push_back(decided(sequence, application.id, application.outcome, reason,
                         places ? "" : fmt::format("c{}", application.compartment),
                         places ? 0 : application.granted));
}

std::int64_t reference_give(const std::string& fit, std::int64_t need, std::int64_t left,
                            bool& blocked) {
  if (fit == "partial") return std::min(need, left);
  if (fit == "skip") return need <= left ? need : 0;
  const std::int64_t given = !blocked && need <= left ? need : 0;
  if (given == 0) blocked = true;
  return given;
}

// R5/R6: a place if one is left; money by the fit rule. Its rank is the order of this call.
void ReferenceModel::assess(ReferenceApplication& application) {
  const std::size_t t = application.tranche;
  const std::size_t c = application.compartment;
  const ScenarioTranche& tranche = scenario.tranches[t];
  application.rank = ++ranks_given;
  if (tranche.counts_places) {
    application.granted = remaining(t, 0) > 0 ? 1 : 0;
    application.outcome = application.granted ? "granted" : "rejected";
    return emit(application, application.granted ? "" : "tranche_full");
  }
  bool blocked = tranches[t].blocked[c];
  application.granted = reference_give(tranche.fit, application.amount, remaining(t, c), blocked);
  tranches[t].blocked[c] = blocked;
  application.outcome = application.granted > 0 ? "granted" : "waitlisted";
  emit(application);
}

void ReferenceModel::submit(const std::string& id, const std::string& tranche_id,
                            const std::string& participant, std::int64_t amount) {
  ReferenceApplication application;
  application.id = id;
  application.participant = participant;
  application.sequence = sequence;
  while (scenario.tranches[application.tranche].id != tranche_id) ++application.tranche;
  const ScenarioTranche& tranche = scenario.tranches[application.tranche];
  application.amount = tranche.counts_places ? 1 : amount;
  for (std::size_t c = 0; c < tranche.shares.size(); ++c) {
    if (application.amount > tranche.band_edges[c + 1]) continue;
    application.compartment = c;
    break;  // the first band whose max is at least the amount: boundaries go to the lower
  }
  for (const ReferenceApplication& other : applications) {
    const bool same_scope = !scenario.unique_per_tranche || other.tranche == application.tranche;
    if (same_scope && other.participant == application.participant && other.outcome != "rejected") {
      application.outcome = "rejected";
      applications.push_back(application);
      return emit(application, "duplicate_participant");
    }
  }
  applications.push_back(application);
  if (tranche.ranking == "arrival") return assess(applications.back());
  applications.back().outcome = "pending";  // window_lottery: decided at the close
  emit(applications.back());
}

bool ReferenceModel::close(std::size_t t, const std::string& seed_hex) {
  if (tranches[t].closed) return false;
  for (std::size_t source = 0; source < scenario.tranches.size(); ++source) {
    if (scenario.tranches[source].carry_over_to == t && !tranches[source].closed) return false;
  }
  tranches[t].closed = true;
  draw(t, seed_hex);
  if (scenario.tranches[t].spillover == "at_close") spill_over(t);
  exhaust(t);
  carry_over(t);
  return true;
}

std::vector<std::optional<std::vector<std::string>>> reference_decisions(const Scenario& scenario) {
  ReferenceModel model(scenario);
  std::vector<std::optional<std::vector<std::string>>> decisions;
  for (const std::string& text : scenario.events) {
    const boost::json::object event = boost::json::parse(text).as_object();
    const std::string type(event.at("type").as_string());
    const std::string tranche_id(event.at("tranche").as_string());
    std::vector<std::string> lines;
    model.out = &lines;
    model.sequence += 1;
    bool accepted = true;
    if (type == "submit") {
      const auto* amount = event.if_contains("amount_cents");
      model.submit(std::string(event.at("id").as_string()), tranche_id,
                   std::string(event.at("participant").as_string()),
                   amount ? amount->as_int64() : 0);
    } else if (type == "close") {
      std::size_t t = 0;
      while (scenario.tranches[t].id != tranche_id) ++t;
      accepted = model.close(t, std::string(event.at("seed").as_string()));
    } else {
      throw std::invalid_argument("the reference allocator knows no event " + type);
    }
    if (!accepted) model.sequence -= 1;  // a refused event takes no sequence number
    decisions.push_back(accepted ? std::optional(lines) : std::nullopt);
  }
  return decisions;
}

}  // namespace loket::testing
