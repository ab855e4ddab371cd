// R9: a grant after objection, appeal or a court ruling (General Administrative Law Act art.
// 4:25(3)) is the only way past the cap. It is granted outside the compartment's budget and
// counted apart, so every report can show it separately.
#include <algorithm>

#include "engine/allocator_core.hpp"
#include "engine/assert.hpp"
#include "engine/limits.hpp"
#include "engine/submission_checks.hpp"

namespace loket {

Refusal AllocatorCore::appeal(const AppealCommand& command) {
  const std::optional<std::size_t> index = scheme_.find_tranche(command.tranche_id);
  if (!index) return Refusal::unknown_tranche;
  const std::uint32_t application = find_id(command.application_id);
  if (application == IndexTable::not_found || records_[application].tranche != *index) {
    return Refusal::unknown_application;
  }
  if (command.reference.empty()) return Refusal::appeal_reference_missing;
  if (appeals_granted_.contains({application, std::string(command.reference)})) {
    return Refusal::duplicate_appeal;
  }
  ApplicationRecord& record = records_[application];
  if (record.outcome == Outcome::pending) return Refusal::application_pending;
  const Tranche& tranche = scheme_.tranches[*index];
  TrancheState& state = tranches_[*index];

  std::int64_t amount_units = 1;
  if (tranche.counts_places) {
    if (command.amount_cents && *command.amount_cents != 0) return Refusal::appeal_amount_invalid;
    if (record.outcome == Outcome::granted) return Refusal::appeal_exceeds_request;
  } else {
    if (!command.amount_cents || *command.amount_cents <= 0 ||
        *command.amount_cents > limits::amount_cents_max - record.granted_units()) {
      return Refusal::appeal_amount_invalid;
    }
    amount_units = *command.amount_cents;
    // An application refused before its amount was known (R3) has no request to exceed.
    if (record.requested_units() > 0 &&
        record.granted_units() + amount_units > record.requested_units()) {
      return Refusal::appeal_exceeds_request;
    }
  }

  // An application rejected before it reached a compartment is counted, for reports, in the
  // compartment whose band holds its granted total (or the first).
  const bool passed_checks = record.pool != no_compartment;
  std::size_t pool_index = passed_checks ? record.pool : 0;
  if (!passed_checks && !tranche.counts_places) {
    pool_index = find_band(tranche, record.granted_units() + amount_units).value_or(0);
  }
  Pool& pool = state.pools[pool_index];
  const std::int64_t need_units = record.requested_units() - record.granted_units();
  const bool waiting =
      !state.closed && passed_checks && need_units > 0 &&
      std::find(pool.unmet.begin(), pool.unmet.end(), application) != pool.unmet.end();
  const bool was_rejected = record.outcome == Outcome::rejected;

  record.set_granted_units(record.granted_units() + amount_units);
  pool.appeal_granted_units += amount_units;
  if (waiting) {
    pool.unmet_units -= std::min(amount_units, need_units);
    if (amount_units >= need_units) pool.unmet_count -= 1;
  }
  appeals_granted_.emplace(application, command.reference);
  set_state(application, Outcome::granted, Reason::appeal);
  // A granted application holds its participant again (R4), unless the ruling grants someone
  // who meanwhile holds another application: the ruling stands, and both are shown.
  if (was_rejected && passed_checks && find_holder(record) == IndexTable::not_found) {
    hold_participant(application);
  }
  emit(application);
  check_pool_invariants(*index);
  return Refusal::none;
}

}  // namespace loket
