// R11: at its close, a tranche passes what it has left to the later tranche it names. Places
// add to the receiver's cap; money is split over the receiver's compartments by their shares
// and adds to each budget. An open receiver that ranks by arrival serves its unmet demand with
// it at once; a lottery receiver simply has more to draw for.
#include <algorithm>

#include "engine/allocator_core.hpp"
#include "engine/assert.hpp"

namespace loket {

std::vector<std::size_t> AllocatorCore::open_carry_over_sources(std::size_t tranche) const {
  std::vector<std::size_t> sources;
  for (std::size_t source = 0; source < scheme_.tranches.size(); ++source) {
    if (scheme_.tranches[source].carry_over_to == tranche && !tranches_[source].closed) {
      sources.push_back(source);
    }
  }
  return sources;
}

// Runs last in a close, after draws, spillover and budget_exhausted: what remains within the
// cap then is what nobody in this tranche can use. Appeal grants sit outside the cap, so they
// count neither way.
void AllocatorCore::carry_over(std::size_t tranche) {
  const std::optional<std::size_t> target = scheme_.tranches[tranche].carry_over_to;
  if (!target) return;
  LOKET_ASSERT(*target != tranche && *target < tranches_.size());
  std::int64_t left_units = 0;
  for (Pool& pool : tranches_[tranche].pools) {
    left_units += pool.remaining_units;
    pool.carried_out_units += pool.remaining_units;
    pool.remaining_units = 0;
  }
  if (left_units == 0) return;  // nothing moves when nothing is left
  emit_carry_over(tranche, *target, left_units);
  receive_carry_over(*target, left_units);
}

void AllocatorCore::receive_carry_over(std::size_t tranche, std::int64_t amount_units) {
  const Tranche& receiver = scheme_.tranches[tranche];
  TrancheState& state = tranches_[tranche];
  // A receiver cannot close while a source is open (open_carry_over_sources).
  LOKET_ASSERT(!state.closed && amount_units > 0);
  const std::vector<std::int64_t> parts = receiver.counts_places
                                              ? std::vector<std::int64_t>{amount_units}
                                              : split_over_compartments(receiver, amount_units);
  LOKET_ASSERT(parts.size() == state.pools.size());
  for (std::size_t index = 0; index < parts.size(); ++index) {
    state.pools[index].remaining_units += parts[index];
    state.pools[index].carried_in_units += parts[index];
  }
  // Places tranches keep nobody waiting, and lottery tranches decide at their draws.
  if (receiver.counts_places || receiver.ranking != Ranking::arrival) {
    check_pool_invariants(tranche);
    return;
  }
  for (std::size_t index = 0; index < parts.size(); ++index) {
    Pool& pool = state.pools[index];
    if (parts[index] == 0) continue;  // a compartment that got nothing stays as it was
    if (pool.unmet_count > 0) serve_unmet(tranche, index);
    // A block compartment whose queue is served takes new arrivals again (R11).
    if (pool.unmet_count == 0) pool.blocked = false;
  }
  check_pool_invariants(tranche);
}

}  // namespace loket
