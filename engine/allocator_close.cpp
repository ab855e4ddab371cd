// Closing days and tranches: lottery groups (R8), spillover between compartments (R7), the
// final budget_exhausted decisions, and then the carry-over of what is left (R11,
// allocator_carry_over.cpp).
#include <algorithm>

#include "engine/allocator_core.hpp"
#include "engine/assert.hpp"
#include "engine/lottery.hpp"

namespace loket {

Refusal AllocatorCore::close_day(const CloseDayCommand& command, TimestampNs timestamp) {
  const std::optional<std::size_t> index = scheme_.find_tranche(command.tranche_id);
  if (!index) return Refusal::unknown_tranche;
  TrancheState& state = tranches_[*index];
  if (state.closed) return Refusal::tranche_closed;
  if (scheme_.tranches[*index].ranking != Ranking::same_day_lottery) {
    return Refusal::ranking_has_no_days;
  }
  if (command.date <= state.days_closed_through) return Refusal::day_already_closed;
  // A day closes only once it is over, so no later submission can belong to a closed day.
  if (timestamp < local_midnight(command.date + 1, scheme_.time_zone)) {
    return Refusal::day_not_over;
  }
  if (const Refusal refusal = check_seed(*index, command.date, command.seed);
      refusal != Refusal::none) {
    return refusal;
  }
  if (command.seed.empty()) return Refusal::seed_missing;

  decide_pending_through(*index, command.date, command.seed);
  state.days_closed_through = command.date;
  check_pool_invariants(*index);
  return Refusal::none;
}

Refusal AllocatorCore::close(const CloseCommand& command) {
  const std::optional<std::size_t> index = scheme_.find_tranche(command.tranche_id);
  if (!index) return Refusal::unknown_tranche;
  const Tranche& tranche = scheme_.tranches[*index];
  TrancheState& state = tranches_[*index];
  if (state.closed) return Refusal::tranche_closed;
  if (!open_carry_over_sources(*index).empty()) return Refusal::carry_over_source_open;
  if (const Refusal refusal = check_seed(*index, std::nullopt, command.seed);
      refusal != Refusal::none) {
    return refusal;
  }
  if (tranche.ranking != Ranking::arrival && command.seed.empty()) return Refusal::seed_missing;

  decide_pending_through(*index, INT32_MAX, command.seed);
  LOKET_ASSERT(state.pending.empty());
  state.closed = true;
  if (!tranche.counts_places && tranche.spillover == Spillover::at_close) spill_over(*index);
  exhaust(*index);
  carry_over(*index);
  check_pool_invariants(*index);
  return Refusal::none;
}

// Decides every pending application received on or before last_day: one group per day under
// same_day_lottery, one group for the whole window under window_lottery.
void AllocatorCore::decide_pending_through(std::size_t tranche, LocalDate last_day,
                                           std::span<const std::uint8_t> seed) {
  TrancheState& state = tranches_[tranche];
  const bool by_day = scheme_.tranches[tranche].ranking == Ranking::same_day_lottery;
  std::size_t begin = state.pending_head;
  while (begin < state.pending.size() && state.pending[begin].day <= last_day) {
    std::size_t end = begin + 1;
    while (end < state.pending.size() && state.pending[end].day <= last_day &&
           (!by_day || state.pending[end].day == state.pending[begin].day)) {
      ++end;
    }
    decide_group(tranche, begin, end, seed);
    begin = end;
  }
  state.pending_head = begin;
  if (state.pending_head == state.pending.size()) {
    state.pending.clear();  // keeps the capacity for the next day
    state.pending_head = 0;
  }
}

// R8: per compartment, a group is decided in sequence order if it all fits, otherwise in
// lottery order; either way each application is assessed by the fit rule in that order.
void AllocatorCore::decide_group(std::size_t tranche, std::size_t begin, std::size_t end,
                                 std::span<const std::uint8_t> seed) {
  TrancheState& state = tranches_[tranche];
  LOKET_ASSERT(begin < end && end <= state.pending.size());
  for (std::size_t pool_index = 0; pool_index < state.pools.size(); ++pool_index) {
    Pool& pool = state.pools[pool_index];
    scratch_group_.clear();
    std::int64_t requested_units = 0;
    bool all_fit = !pool.blocked;
    for (std::size_t position = begin; position < end; ++position) {
      const std::uint32_t application = state.pending[position].application;
      if (records_[application].pool != pool_index) continue;
      scratch_group_.push_back(application);
      requested_units += records_[application].requested_units();
      all_fit = all_fit && requested_units <= pool.remaining_units;
    }
    if (scratch_group_.empty()) continue;
    if (!all_fit) {
      LOKET_ASSERT(!seed.empty());
      scratch_ranks_.clear();
      for (const std::uint32_t application : scratch_group_) {
        scratch_ranks_.emplace_back(lottery_rank_key(seed, id_of(application)), application);
      }
      // Pairs compare by rank key, then by application number, which is sequence order.
      std::sort(scratch_ranks_.begin(), scratch_ranks_.end());
      for (std::size_t rank = 0; rank < scratch_ranks_.size(); ++rank) {
        scratch_group_[rank] = scratch_ranks_[rank].second;
      }
    }
    for (const std::uint32_t application : scratch_group_) {
      LOKET_ASSERT(records_[application].outcome == Outcome::pending);
      assess(application, pool.blocked);
    }
  }
}

// R7: an underspent compartment (money left, nobody waiting) gives all it has left to the
// first compartment in configured order with unmet demand, which serves it in rank order.
// A compartment gives at most once: afterwards it has neither money nor, after close, any
// new demand, so the loop ends within one round per compartment.
void AllocatorCore::spill_over(std::size_t tranche) {
  std::vector<Pool>& pools = tranches_[tranche].pools;
  for (std::size_t round = 0;; ++round) {
    LOKET_ASSERT(round <= pools.size());
    const auto donor = std::find_if(pools.begin(), pools.end(), [](const Pool& pool) {
      return pool.unmet_count == 0 && pool.remaining_units > 0;
    });
    const auto receiver = std::find_if(pools.begin(), pools.end(),
                                       [](const Pool& pool) { return pool.unmet_count > 0; });
    if (donor == pools.end() || receiver == pools.end()) return;
    const std::int64_t amount_units = donor->remaining_units;
    donor->remaining_units = 0;
    donor->transferred_out_units += amount_units;
    receiver->remaining_units += amount_units;
    receiver->transferred_in_units += amount_units;
    const auto receiver_index = static_cast<std::size_t>(receiver - pools.begin());
    emit_transfer(tranche, static_cast<std::size_t>(donor - pools.begin()), receiver_index,
                  amount_units);
    serve_unmet(tranche, receiver_index);
  }
}

void AllocatorCore::serve_unmet(std::size_t tranche, std::size_t pool_index) {
  Pool& pool = tranches_[tranche].pools[pool_index];
  const Fit fit = scheme_.tranches[tranche].fit;
  bool blocked = false;
  for (const std::uint32_t application : pool.unmet) {
    if (pool.remaining_units == 0 || blocked) break;
    ApplicationRecord& record = records_[application];
    const std::int64_t need_units = record.requested_units() - record.granted_units();
    if (need_units <= 0) continue;  // met meanwhile by an appeal
    const std::int64_t give_units = units_to_grant(fit, need_units, pool.remaining_units, blocked);
    if (give_units == 0) continue;
    pool.remaining_units -= give_units;
    pool.granted_units += give_units;
    pool.unmet_units -= give_units;
    record.set_granted_units(record.granted_units() + give_units);
    if (give_units == need_units) pool.unmet_count -= 1;
    set_state(application, Outcome::granted, Reason::none);
    emit(application);
  }
  check_pool_invariants(tranche);
}

// After close: whoever is still waiting got nothing and is rejected; partial grants stay.
void AllocatorCore::exhaust(std::size_t tranche) {
  for (Pool& pool : tranches_[tranche].pools) {
    for (const std::uint32_t application : pool.unmet) {
      if (records_[application].outcome != Outcome::waitlisted) continue;
      LOKET_ASSERT(records_[application].granted_units() == 0);
      set_state(application, Outcome::rejected, Reason::budget_exhausted);
      release_participant(application);
      emit(application);
    }
    pool.unmet.clear();
    pool.unmet.shrink_to_fit();
    pool.unmet_count = 0;  // unmet_units stays: the demand left unmet at close
  }
}

}  // namespace loket
