#include "engine/scheme.hpp"

#include <algorithm>
#include <numeric>

#include "engine/assert.hpp"
#include "engine/limits.hpp"

namespace loket {

std::optional<std::size_t> Scheme::find_tranche(std::string_view tranche_id) const {
  for (std::size_t index = 0; index < tranches.size(); ++index) {
    if (tranches[index].id == tranche_id) return index;
  }
  return std::nullopt;
}

bool Scheme::has_unit_prices() const {
  for (const auto& price : unit_subsidy_cents) {
    if (price) return true;
  }
  return false;
}

bool Scheme::has_carry_over() const {
  return std::any_of(tranches.begin(), tranches.end(),
                     [](const Tranche& tranche) { return tranche.carry_over_to.has_value(); });
}

std::vector<std::size_t> closing_order(const Scheme& scheme) {
  std::vector<std::size_t> order(scheme.tranches.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t left, std::size_t right) {
    return scheme.tranches[left].closes_at < scheme.tranches[right].closes_at;
  });
  return order;
}

std::vector<std::int64_t> split_over_compartments(const Tranche& tranche, std::int64_t cents) {
  LOKET_ASSERT(!tranche.counts_places);
  std::vector<std::int32_t> shares;
  for (const Compartment& compartment : tranche.compartments) {
    shares.push_back(compartment.share_percent);
  }
  return split_budget(cents, shares);
}

std::vector<std::int64_t> split_budget(std::int64_t budget_cents,
                                       const std::vector<std::int32_t>& share_percents) {
  LOKET_ASSERT(budget_cents > 0 && budget_cents <= limits::budget_cents_with_carry_over_max);
  LOKET_ASSERT(!share_percents.empty());
  LOKET_ASSERT(std::accumulate(share_percents.begin(), share_percents.end(), 0) == 100);
  std::vector<std::int64_t> budgets(share_percents.size());
  std::int64_t assigned_cents = 0;
  for (std::size_t index = 0; index + 1 < share_percents.size(); ++index) {
    budgets[index] = budget_cents * share_percents[index] / 100;  // rounds down: both positive
    assigned_cents += budgets[index];
  }
  budgets.back() = budget_cents - assigned_cents;
  LOKET_ASSERT(budgets.back() >= 0);
  LOKET_ASSERT(std::accumulate(budgets.begin(), budgets.end(), std::int64_t{0}) == budget_cents);
  return budgets;
}

std::string_view to_string(Ranking ranking) {
  switch (ranking) {
    case Ranking::arrival:
      return "arrival";
    case Ranking::same_day_lottery:
      return "same_day_lottery";
    case Ranking::window_lottery:
      return "window_lottery";
  }
  LOKET_UNREACHABLE();
}

std::string_view to_string(Fit fit) {
  switch (fit) {
    case Fit::partial:
      return "partial";
    case Fit::skip:
      return "skip";
    case Fit::block:
      return "block";
  }
  LOKET_UNREACHABLE();
}

std::string_view to_string(Spillover spillover) {
  return spillover == Spillover::at_close ? "at_close" : "none";
}

std::string_view to_string(UniqueScope scope) {
  return scope == UniqueScope::scheme ? "scheme" : "tranche";
}

}  // namespace loket
