// Submissions: R3 checks, R4 uniqueness, and immediate allocation under `arrival` (R5, R6) or
// `pending` under a lottery ranking (R8).
#include <cstring>

#include "engine/allocator_core.hpp"
#include "engine/assert.hpp"
#include "engine/submission_checks.hpp"

namespace loket {
namespace {

ParticipantPrefix truncate_key(const ParticipantKey& key) {
  ParticipantPrefix words{};
  std::memcpy(words.data(), key.data(), sizeof(words));
  return words;
}

// A new application in the tranche's counts; set_state moves it between them later.
void count_new(TrancheState& state, Outcome outcome, Reason reason) {
  state.applications_by_outcome[static_cast<std::size_t>(outcome)] += 1;
  if (outcome == Outcome::rejected) state.rejected_by_reason[static_cast<std::size_t>(reason)] += 1;
}

}  // namespace

std::uint32_t AllocatorCore::add_record(std::string_view application_id,
                                        const IndexTable::Lookup& id_lookup, std::uint8_t tranche,
                                        Outcome outcome, Reason reason) {
  LOKET_ASSERT(!application_id.empty() &&
               application_id.size() <= limits::application_id_bytes_max);
  LOKET_ASSERT(record_count_ < limits::applications_max);
  if (record_count_ == records_.size()) records_ = records_.grown(records_.size() * 2);
  const auto application = static_cast<std::uint32_t>(record_count_);
  // The arena numbers ids as records are numbered: id_of(application) is entry `application`.
  LOKET_ASSERT(id_arena_.size() == record_count_);
  id_arena_.append(application_id, id_arena_tag(id_lookup.hash));
  ApplicationRecord record;
  record.tranche = tranche;
  record.outcome = outcome;
  record.reason = reason;
  records_[record_count_++] = record;
  if (tranche != no_tranche) count_new(tranches_[tranche], outcome, reason);
  ids_.insert_at(id_lookup, application,
                 [this](std::uint32_t other) { return id_hash(id_of(other)); });
  LOKET_ASSERT(id_arena_.size() == record_count_);
  return application;
}

Refusal AllocatorCore::submit(const SubmitCommand& command, TimestampNs timestamp) {
  const bool id_usable = is_valid_application_id(command.application_id);
  IndexTable::Lookup id_lookup;
  if (id_usable) {
    id_lookup = lookup_id(command.application_id, id_hash(command.application_id));
    if (id_lookup.index != IndexTable::not_found) return Refusal::duplicate_application_id;
  }
  if (id_usable && record_count_ >= limits::applications_max) {
    return Refusal::capacity_exhausted;
  }

  const std::optional<std::size_t> tranche_index = scheme_.find_tranche(command.tranche_id);
  const bool closed = tranche_index && tranches_[*tranche_index].closed;
  const SubmissionCheck check =
      check_submission(scheme_, tranche_index, closed, command, timestamp, id_usable);
  const std::uint8_t tranche =
      tranche_index ? static_cast<std::uint8_t>(*tranche_index) : no_tranche;

  if (!id_usable) {
    // Nothing to key a record on: decide, count, and keep nothing (the id check is in R3).
    LOKET_ASSERT(check.reason != Reason::none && check.reason <= Reason::invalid);
    Decision decision;
    decision.tranche_index = tranche;
    decision.reason = check.reason;
    decision.field = check.field;
    decisions_->push_back(decision);
    if (tranche != no_tranche) count_new(tranches_[tranche], Outcome::rejected, check.reason);
    return Refusal::none;
  }

  if (check.reason != Reason::none) {
    const std::uint32_t application =
        add_record(command.application_id, id_lookup, tranche, Outcome::rejected, check.reason);
    emit(application, check.field);
    return Refusal::none;
  }

  LOKET_ASSERT(tranche != no_tranche && command.participant);
  const std::uint32_t application =
      add_record(command.application_id, id_lookup, tranche, Outcome::pending, Reason::none);
  ApplicationRecord& record = records_[application];
  record.participant = truncate_key(*command.participant);
  record.set_requested_units(check.requested_units);
  record.pool = check.pool;

  const IndexTable::Lookup holder_lookup = lookup_holder(record);
  if (holder_lookup.index != IndexTable::not_found) {
    set_state(application, Outcome::rejected, Reason::duplicate_participant);
    emit(application);
    return Refusal::none;
  }
  hold_participant(application, holder_lookup);

  TrancheState& state = tranches_[tranche];
  if (scheme_.tranches[tranche].ranking == Ranking::arrival) {
    assess(application, state.pools[record.pool].blocked);
    check_pool_invariants(tranche);
  } else {
    const LocalDate day = local_date(timestamp, scheme_.time_zone);
    LOKET_ASSERT(day > state.days_closed_through);
    state.pending.push_back(PendingEntry{application, day});
    emit(application);
  }
  return Refusal::none;
}

}  // namespace loket
