#include "engine/allocator.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "engine/allocator_core.hpp"
#include "engine/assert.hpp"

namespace loket {
namespace {

// Ids in practice are 10-20 characters; the arena grows past this reservation if they are longer.
constexpr std::size_t expected_id_bytes = 16;

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
// Spelled out for clang 14 (the fuzz build), which does not deduce aggregates' arguments.
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

std::vector<TrancheState> initial_tranches(const Scheme& scheme) {
  std::vector<TrancheState> tranches(scheme.tranches.size());
  for (std::size_t index = 0; index < scheme.tranches.size(); ++index) {
    const Tranche& tranche = scheme.tranches[index];
    if (tranche.counts_places) {
      tranches[index].pools.resize(1);
      tranches[index].pools[0].capacity_units = tranche.places;
    } else {
      tranches[index].pools.resize(tranche.compartments.size());
      for (std::size_t pool = 0; pool < tranche.compartments.size(); ++pool) {
        tranches[index].pools[pool].capacity_units = tranche.compartments[pool].budget_cents;
      }
    }
    for (Pool& pool : tranches[index].pools) pool.remaining_units = pool.capacity_units;
  }
  return tranches;
}

}  // namespace

AllocatorCore::AllocatorCore(Scheme scheme, AllocatorOptions options)
    : scheme_(std::move(scheme)),
      tranches_(initial_tranches(scheme_)),
      ids_(options.applications_expected),
      participants_(options.applications_expected) {
  LOKET_ASSERT(!scheme_.tranches.empty() && scheme_.tranches.size() <= limits::tranches_max);
  // Touch the hot path's memory now rather than take page faults during an opening.
  records_ =
      HugeBuffer<ApplicationRecord>(std::max<std::size_t>(options.applications_expected, 16));
  id_arena_.reserve(options.applications_expected,
                    options.applications_expected * expected_id_bytes);
  // Waiting and pending lists can each hold every application. Reserving costs address space
  // only until used, and keeps growth (and its allocations) off the hot path.
  for (std::size_t index = 0; index < tranches_.size(); ++index) {
    if (scheme_.tranches[index].ranking != Ranking::arrival) {
      tranches_[index].pending.reserve(options.applications_expected);
    }
    if (scheme_.tranches[index].counts_places) continue;
    for (Pool& pool : tranches_[index].pools) pool.unmet.reserve(options.applications_expected);
  }
}

Refusal AllocatorCore::apply(const Command& command, Sequence sequence, TimestampNs timestamp,
                             std::vector<Decision>& decisions) {
  LOKET_ASSERT(sequence == last_sequence_ + 1);
  LOKET_ASSERT(timestamp >= last_timestamp_);
  decisions.clear();
  decisions_ = &decisions;
  const Refusal refusal = std::visit(
      Overloaded{
          [&](const SubmitCommand& submit_command) { return submit(submit_command, timestamp); },
          [&](const CloseDayCommand& close_day_command) {
            return close_day(close_day_command, timestamp);
          },
          [&](const CloseCommand& close_command) { return close(close_command); },
          [&](const AppealCommand& appeal_command) { return appeal(appeal_command); },
          [&](const CommitSeedCommand& commit_command) { return commit_seed(commit_command); },
          [&](const CheckpointCommand&) { return Refusal::none; },
      },
      command);
  decisions_ = nullptr;
  if (refusal == Refusal::none) {
    last_sequence_ = sequence;
    last_timestamp_ = timestamp;
    decisions_made_ += decisions.size();
  } else {
    LOKET_ASSERT(decisions.empty());
  }
  return refusal;
}

void AllocatorCore::prefetch(const Command& command) const {
  const SubmitCommand* submit = std::get_if<SubmitCommand>(&command);
  if (submit == nullptr) return;
  ids_.prefetch(id_hash(submit->application_id));
  if (!submit->participant) return;
  ParticipantPrefix participant{};
  std::memcpy(participant.data(), submit->participant->data(), sizeof(participant));
  // Only a per-tranche uniqueness scope mixes the tranche into the hash (participant_hash).
  std::uint8_t tranche = no_tranche;
  if (scheme_.unique_participant == UniqueScope::tranche) {
    const auto found = scheme_.find_tranche(submit->tranche_id);
    if (found) tranche = static_cast<std::uint8_t>(*found);
  }
  participants_.prefetch(participant_hash(participant, tranche));
}

IndexTable::Lookup AllocatorCore::lookup_id(std::string_view application_id,
                                            std::uint32_t hash) const {
  return ids_.lookup(hash, [&](std::uint32_t application) {
    // The arena's tag, read from its group, first: most tag matches in the table are
    // other ids, and this rules out 15 in 16 of them without stepping through the arena.
    return id_arena_.tag(application) == id_arena_tag(hash) && id_of(application) == application_id;
  });
}

std::string_view AllocatorCore::id_of(std::uint32_t application) const {
  LOKET_ASSERT(application < record_count_);
  return id_arena_.view(application);
}

std::size_t AllocatorCore::bytes_used() const {
  std::size_t bytes = records_.bytes_used() + id_arena_.bytes_used() + ids_.bytes_used() +
                      participants_.bytes_used();
  for (const TrancheState& tranche : tranches_) {
    // Counted as used, not as reserved: the reservation is address space until touched.
    bytes += tranche.pending.size() * sizeof(PendingEntry);
    for (const Pool& pool : tranche.pools) bytes += pool.unmet.size() * sizeof(std::uint32_t);
  }
  return bytes;
}

std::int64_t units_to_grant(Fit fit, std::int64_t need_units, std::int64_t remaining_units,
                            bool& blocked) {
  LOKET_ASSERT(need_units > 0 && remaining_units >= 0);
  std::int64_t give_units = 0;
  switch (fit) {
    case Fit::partial:
      give_units = std::min(need_units, remaining_units);
      break;
    case Fit::skip:
      give_units = need_units <= remaining_units ? need_units : 0;
      break;
    case Fit::block:
      give_units = !blocked && need_units <= remaining_units ? need_units : 0;
      blocked = blocked || give_units == 0;
      break;
  }
  LOKET_ASSERT(give_units >= 0 && give_units <= std::min(need_units, remaining_units));
  return give_units;
}

// First assessment of an application in rank order against its pool, by the fit rule (R5,
// R6). `blocked` is the pool's block flag: once one application does not fit, later ones wait.
void AllocatorCore::assess(std::uint32_t application, bool& blocked) {
  ApplicationRecord& record = records_[application];
  LOKET_ASSERT(record.granted_units() == 0 && record.requested_units() > 0);
  const Tranche& tranche = scheme_.tranches[record.tranche];
  Pool& pool = tranches_[record.tranche].pools[record.pool];
  const std::int64_t need_units = record.requested_units();

  if (tranche.counts_places) {
    if (pool.remaining_units > 0) {
      pool.remaining_units -= 1;
      pool.granted_units += 1;
      record.set_granted_units(1);
      set_state(application, Outcome::granted, Reason::none);
    } else {
      set_state(application, Outcome::rejected, Reason::tranche_full);
      release_participant(application);
    }
    emit(application);
    return;
  }

  const std::int64_t give_units =
      units_to_grant(tranche.fit, need_units, pool.remaining_units, blocked);
  pool.remaining_units -= give_units;
  pool.granted_units += give_units;
  record.set_granted_units(give_units);
  if (give_units < need_units) {
    pool.unmet.push_back(application);
    pool.unmet_count += 1;
    pool.unmet_units += need_units - give_units;
  }
  set_state(application, give_units > 0 ? Outcome::granted : Outcome::waitlisted, Reason::none);
  emit(application);
}

void AllocatorCore::set_state(std::uint32_t application, Outcome outcome, Reason reason) {
  ApplicationRecord& record = records_[application];
  LOKET_ASSERT(record.tranche != no_tranche);
  auto& counts = tranches_[record.tranche].applications_by_outcome;
  const auto old_index = static_cast<std::size_t>(record.outcome);
  LOKET_ASSERT(counts[old_index] > 0);
  counts[old_index] -= 1;
  counts[static_cast<std::size_t>(outcome)] += 1;
  auto& reasons = tranches_[record.tranche].rejected_by_reason;
  if (record.outcome == Outcome::rejected) {
    LOKET_ASSERT(reasons[static_cast<std::size_t>(record.reason)] > 0);
    reasons[static_cast<std::size_t>(record.reason)] -= 1;
  }
  if (outcome == Outcome::rejected) reasons[static_cast<std::size_t>(reason)] += 1;
  record.outcome = outcome;
  record.reason = reason;
}

void AllocatorCore::emit(std::uint32_t application, Field field) {
  LOKET_ASSERT(decisions_ != nullptr);
  ApplicationRecord& record = records_[application];
  record.set_last_decision_index(decisions_made_ + decisions_->size());
  Decision decision;
  decision.kind = Decision::Kind::application;
  decision.tranche_index = record.tranche;
  decision.application_id = id_of(application);
  decision.outcome = record.outcome;
  decision.reason = record.reason;
  decision.field = field;
  if (record.tranche != no_tranche) {
    const Tranche& tranche = scheme_.tranches[record.tranche];
    const bool named = !tranche.counts_places && !tranche.compartments.front().id.empty();
    if (named) decision.compartment_index = record.pool;
    decision.granted_cents = tranche.counts_places ? 0 : record.granted_units();
  }
  decisions_->push_back(decision);
}

void AllocatorCore::emit_carry_over(std::size_t from_tranche, std::size_t to_tranche,
                                    std::int64_t amount_units) {
  LOKET_ASSERT(decisions_ != nullptr && from_tranche != to_tranche && amount_units > 0);
  Decision decision;
  decision.kind = Decision::Kind::carry_over;
  decision.tranche_index = static_cast<std::uint8_t>(from_tranche);
  decision.to_tranche = static_cast<std::uint8_t>(to_tranche);
  decision.amount_cents = amount_units;
  decisions_->push_back(decision);
}

void AllocatorCore::emit_transfer(std::size_t tranche, std::size_t from, std::size_t to,
                                  std::int64_t amount_units) {
  LOKET_ASSERT(decisions_ != nullptr && from != to && amount_units > 0);
  Decision decision;
  decision.kind = Decision::Kind::transfer;
  decision.tranche_index = static_cast<std::uint8_t>(tranche);
  decision.from_compartment = static_cast<std::uint8_t>(from);
  decision.to_compartment = static_cast<std::uint8_t>(to);
  decision.amount_cents = amount_units;
  decisions_->push_back(decision);
}

std::uint32_t AllocatorCore::participant_hash(const ParticipantPrefix& participant,
                                              std::uint8_t tranche) const {
  // The key is an HMAC output, uniformly distributed: its first bytes are a good hash.
  std::uint32_t hash = participant[0];
  if (scheme_.unique_participant == UniqueScope::tranche) hash ^= tranche * 0x9E3779B9u;
  return hash;
}

IndexTable::Lookup AllocatorCore::lookup_holder(const ApplicationRecord& record) const {
  const bool per_tranche = scheme_.unique_participant == UniqueScope::tranche;
  return participants_.lookup(participant_hash(record), [&](std::uint32_t other) {
    const ApplicationRecord& holder = records_[other];
    return holder.participant == record.participant &&
           (!per_tranche || holder.tranche == record.tranche);
  });
}

// The caller has just found no holder (find_holder); the table asserts the slot it fills.
void AllocatorCore::hold_participant(std::uint32_t application) {
  const ApplicationRecord& record = records_[application];
  LOKET_ASSERT(record.outcome != Outcome::rejected);
  const std::size_t held_before = participants_.size();
  participants_.insert(participant_hash(record), application,
                       [this](std::uint32_t holder) { return participant_hash(records_[holder]); });
  LOKET_ASSERT(participants_.size() == held_before + 1);
}

void AllocatorCore::hold_participant(std::uint32_t application,
                                     const IndexTable::Lookup& holder_lookup) {
  const ApplicationRecord& record = records_[application];
  LOKET_ASSERT(record.outcome != Outcome::rejected);
  LOKET_ASSERT(holder_lookup.hash == participant_hash(record));
  participants_.insert_at(holder_lookup, application, [this](std::uint32_t holder) {
    return participant_hash(records_[holder]);
  });
}

// R4: a rejected application no longer counts against its participant.
void AllocatorCore::release_participant(std::uint32_t application) {
  const ApplicationRecord& record = records_[application];
  LOKET_ASSERT(record.outcome == Outcome::rejected);
  LOKET_ASSERT(find_holder(record) == application);
  participants_.erase(participant_hash(record), application,
                      [this](std::uint32_t holder) { return participant_hash(records_[holder]); });
}

void AllocatorCore::check_pool_invariants(std::size_t tranche) const {
  for (const Pool& pool : tranches_[tranche].pools) {
    LOKET_ASSERT(pool.remaining_units >= 0);
    LOKET_ASSERT(pool.granted_units + pool.remaining_units ==
                 pool.capacity_units + pool.transferred_in_units - pool.transferred_out_units +
                     pool.carried_in_units - pool.carried_out_units);
    LOKET_ASSERT(pool.unmet_units >= 0);
    LOKET_ASSERT(tranches_[tranche].closed || (pool.unmet_units == 0) == (pool.unmet_count == 0));
  }
}

// Allocator: the public face forwards to the core.
Allocator::Allocator(Scheme scheme, AllocatorOptions options)
    : core_(std::make_unique<AllocatorCore>(std::move(scheme), options)) {}
Allocator::~Allocator() = default;
Allocator::Allocator(Allocator&&) noexcept = default;
Allocator& Allocator::operator=(Allocator&&) noexcept = default;

void Allocator::prefetch(const Command& command) const {
  core_->prefetch(command);
}

Refusal Allocator::apply(const Command& command, Sequence sequence, TimestampNs timestamp,
                         std::vector<Decision>& decisions) {
  return core_->apply(command, sequence, timestamp, decisions);
}

const Scheme& Allocator::scheme() const {
  return core_->scheme();
}
Sequence Allocator::last_sequence() const {
  return core_->last_sequence();
}
TimestampNs Allocator::last_timestamp() const {
  return core_->last_timestamp();
}
std::uint64_t Allocator::decisions_made() const {
  return core_->decisions_made();
}
std::vector<std::size_t> Allocator::open_carry_over_sources(std::size_t tranche_index) const {
  LOKET_ASSERT(tranche_index < core_->scheme().tranches.size());
  return core_->open_carry_over_sources(tranche_index);
}
std::size_t Allocator::application_count() const {
  return core_->records().size();
}
std::size_t Allocator::bytes_used() const {
  return core_->bytes_used();
}

TrancheStatus Allocator::tranche_status(std::size_t tranche_index) const {
  const Scheme& scheme = core_->scheme();
  LOKET_ASSERT(tranche_index < scheme.tranches.size());
  const Tranche& tranche = scheme.tranches[tranche_index];
  const TrancheState& state = core_->tranche_state(tranche_index);
  TrancheStatus status;
  status.closed = state.closed;
  status.counts_places = tranche.counts_places;
  status.applications_by_outcome = state.applications_by_outcome;
  status.rejected_by_reason = state.rejected_by_reason;
  // Pending entries are in sequence order, so their days never decrease: one search per day.
  status.pending_applications = state.pending.size() - state.pending_head;
  for (auto entry = state.pending.begin() + static_cast<std::ptrdiff_t>(state.pending_head);
       entry != state.pending.end(); ++status.pending_days) {
    entry = std::upper_bound(entry, state.pending.end(), entry->day,
                             [](LocalDate day, const PendingEntry& e) { return day < e.day; });
  }
  if (state.seed_commitment) {
    status.seed_commitment = state.seed_commitment->commitment;
    status.seed_draws = state.seed_commitment->draws;
    status.seed_nonce = state.seed_commitment->nonce;
  }
  for (std::size_t index = 0; index < state.pools.size(); ++index) {
    const Pool& pool = state.pools[index];
    status.pools.push_back(PoolStatus{tranche.pool_compartment_id(index), pool.capacity_units,
                                      pool.remaining_units, pool.granted_units,
                                      pool.appeal_granted_units, pool.transferred_in_units,
                                      pool.transferred_out_units, pool.carried_in_units,
                                      pool.carried_out_units, pool.unmet_units});
  }
  return status;
}

std::optional<ApplicationStatus> Allocator::find_application(
    std::string_view application_id) const {
  const std::uint32_t application = core_->find_id(application_id);
  if (application == IndexTable::not_found) return std::nullopt;
  const ApplicationRecord& record = core_->records()[application];
  return ApplicationStatus{core_->id_of(application),
                           record.tranche,
                           record.pool,
                           record.outcome,
                           record.reason,
                           record.requested_units(),
                           record.granted_units(),
                           record.last_decision_index()};
}

}  // namespace loket
