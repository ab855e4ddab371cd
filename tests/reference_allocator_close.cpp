// The reference allocator's close, step by step as the rules order it: the window's draw
// (R8), spillover between compartments (R7), budget_exhausted, and carry-over into a later
// window (R11), including how an open receiver serves what it receives.
#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "engine/crypto.hpp"
#include "tests/reference_model.hpp"

namespace loket::testing {

// R8 window_lottery: per compartment, the pending group in sequence order if it all fits,
// otherwise by SHA-256(seed bytes || id) ascending, ties by sequence; assessed in that order.
void ReferenceModel::draw(std::size_t t, const std::string& seed_hex) {
  const std::vector<std::uint8_t> seed = from_hex(seed_hex).value();
  for (std::size_t c = 0; c < compartment_count(t); ++c) {
    std::vector<std::size_t> group;
    std::int64_t requested = 0;
    for (std::size_t index = 0; index < applications.size(); ++index) {
      const ReferenceApplication& application = applications[index];
      if (application.tranche != t || application.compartment != c) continue;
      if (application.outcome != "pending") continue;
      group.push_back(index);
      requested += application.amount;
    }
    const auto key = [&](std::size_t index) {
      std::vector<std::uint8_t> bytes = seed;
      bytes.insert(bytes.end(), applications[index].id.begin(), applications[index].id.end());
      return std::tuple(sha256(bytes), applications[index].sequence);
    };
    if (requested > remaining(t, c)) {
      std::sort(group.begin(), group.end(),
                [&](std::size_t left, std::size_t right) { return key(left) < key(right); });
    }
    for (const std::size_t index : group) assess(applications[index]);
  }
}

// R7's serving, also used by an open arrival receiver of a carry-over (R11): the waiting
// applications in rank order, each by the fit rule against what the compartment has now.
void ReferenceModel::serve_unmet(std::size_t t, std::size_t c) {
  const std::string& fit = scenario.tranches[t].fit;
  bool blocked = false;
  for (const std::size_t index : in_rank_order(t, c)) {
    ReferenceApplication& application = applications[index];
    if (!waiting(application) || blocked) continue;
    const std::int64_t given =
        reference_give(fit, application.amount - application.granted, remaining(t, c), blocked);
    if (given == 0) continue;
    application.granted += given;
    application.outcome = "granted";
    emit(application);
  }
}

void ReferenceModel::spill_over(std::size_t t) {
  const ScenarioTranche& tranche = scenario.tranches[t];
  const std::size_t count = compartment_count(t);
  if (tranche.counts_places) return;
  for (;;) {
    std::size_t donor = count;
    std::size_t receiver = count;
    for (std::size_t c = count; c-- > 0;) {
      if (!has_unmet(t, c) && remaining(t, c) > 0) donor = c;
      if (has_unmet(t, c)) receiver = c;
    }
    if (donor == count || receiver == count) return;
    const std::int64_t amount = remaining(t, donor);
    tranches[t].moved[donor] -= amount;
    tranches[t].moved[receiver] += amount;
    out->push_back(fmt::format(
        R"({{"type":"transfer","seq":{},"tranche":"{}","from":"c{}","to":"c{}","amount_cents":{}}})",
        sequence, tranche.id, donor, receiver, amount));
    serve_unmet(t, receiver);
  }
}

void ReferenceModel::exhaust(std::size_t t) {
  for (std::size_t c = 0; c < compartment_count(t); ++c) {
    for (const std::size_t index : in_rank_order(t, c)) {
      ReferenceApplication& application = applications[index];
      if (application.outcome != "waitlisted") continue;
      application.outcome = "rejected";
      emit(application, "budget_exhausted");
    }
  }
}

// R11: what is left within the cap once everything in this window is decided goes, in one
// record, to the named later window.
void ReferenceModel::carry_over(std::size_t t) {
  const ScenarioTranche& tranche = scenario.tranches[t];
  if (!tranche.carry_over_to) return;
  std::int64_t left = 0;
  for (std::size_t c = 0; c < compartment_count(t); ++c) {
    const std::int64_t compartment_left = remaining(t, c);
    tranches[t].carried[c] -= compartment_left;
    left += compartment_left;
  }
  if (left == 0) return;
  const std::size_t receiver = *tranche.carry_over_to;
  out->push_back(fmt::format(
      R"({{"type":"carry_over","seq":{},"from_tranche":"{}","to_tranche":"{}","{}":{}}})", sequence,
      tranche.id, scenario.tranches[receiver].id, tranche.counts_places ? "places" : "amount_cents",
      left));
  receive(receiver, left);
}

// Places add to the cap; money is split like the receiver's own budget. An arrival receiver
// serves its waiting applications with it at once, and a `block` compartment that received
// something and is left with nobody waiting takes new arrivals again; a lottery receiver just
// has more to draw for.
void ReferenceModel::receive(std::size_t t, std::int64_t amount) {
  const ScenarioTranche& tranche = scenario.tranches[t];
  std::vector<std::int64_t> parts{amount};
  if (!tranche.counts_places) {
    parts.clear();
    std::int64_t given = 0;
    for (std::size_t c = 0; c + 1 < tranche.shares.size(); ++c) {
      parts.push_back(amount * tranche.shares[c] / 100);
      given += parts.back();
    }
    parts.push_back(amount - given);
  }
  for (std::size_t c = 0; c < parts.size(); ++c) tranches[t].carried[c] += parts[c];
  if (tranche.counts_places || tranche.ranking != "arrival") return;
  for (std::size_t c = 0; c < parts.size(); ++c) {
    if (parts[c] == 0) continue;  // got nothing: nothing served, and a block stays
    serve_unmet(t, c);
    if (!has_unmet(t, c)) tranches[t].blocked[c] = false;
  }
}

}  // namespace loket::testing
