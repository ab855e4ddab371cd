// The allocator's hidden state and its rule steps. Only engine/*.cpp include this header;
// callers see allocator.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "engine/allocator.hpp"
#include "engine/assert.hpp"
#include "engine/huge_buffer.hpp"
#include "engine/id_arena.hpp"
#include "engine/index_table.hpp"
#include "engine/limits.hpp"

namespace loket {

// A word-at-a-time multiplicative hash: ids are short, and this runs twice per submission.
// Only table placement depends on it, never a decision.
inline std::uint32_t id_hash(std::string_view application_id) {
  constexpr std::uint64_t multiplier = 0x9E3779B97F4A7C15ULL;
  std::uint64_t hash = application_id.size() * multiplier;
  std::size_t position = 0;
  for (; position + 8 <= application_id.size(); position += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, application_id.data() + position, 8);
    hash = (hash ^ word) * multiplier;
    hash ^= hash >> 29;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, application_id.data() + position, application_id.size() - position);
  hash = (hash ^ tail) * multiplier;
  hash ^= hash >> 32;
  return static_cast<std::uint32_t>(hash);
}

// The 4 bits of an id's hash the arena keeps beside the id (IdArena::tag). The ids a lookup
// compares share the low bits (the index table's tag) and, nearly, the high bits (their
// homes are near), so the tag is taken after a multiply, which spreads every bit in which
// two hashes differ into its top bits.
inline std::uint8_t id_arena_tag(std::uint32_t hash) {
  return static_cast<std::uint8_t>((hash * 0x9E3779B9u) >> 28 & IdArena::tag_mask);
}

// The first 128 bits of a participant's HMAC (RFC 2104 sec. 5), as four 32-bit words so that
// a record needs no 8-byte alignment.
using ParticipantPrefix = std::array<std::uint32_t, 4>;

// 36 bytes per application: the engine's memory is dominated by these records. The id is
// not here: the id arena numbers ids as records are numbered (id_arena.hpp). The two amounts
// and the decision number are kept in 40, 40 and 48 bits, which limits.hpp's bounds fit.
struct ApplicationRecord {
  ParticipantPrefix participant{};
  std::uint8_t tranche = no_tranche;
  std::uint8_t pool = no_compartment;  // compartment index; 0 for a places tranche
  Outcome outcome = Outcome::rejected;
  Reason reason = Reason::none;

  // cents, or 1 for a place; 0 when refused before the amount was known
  std::int64_t requested_units() const {
    return static_cast<std::int64_t>(low_word() & units_mask);
  }
  // cumulative, including appeals
  std::int64_t granted_units() const {
    return static_cast<std::int64_t>(low_word() >> units_bits | (high_word() & 0xFFFF) << 24);
  }
  // The number of its latest decision among all decisions made (its leaf in the journal's
  // decision tree, proof/merkle_tree.hpp), so an applicant's proof is found without a search.
  std::uint64_t last_decision_index() const { return high_word() >> 16; }

  void set_requested_units(std::int64_t units) {
    LOKET_ASSERT(units >= 0 && static_cast<std::uint64_t>(units) <= units_mask);
    set_low_word((low_word() & ~units_mask) | static_cast<std::uint64_t>(units));
  }
  void set_granted_units(std::int64_t units) {
    LOKET_ASSERT(units >= 0 && static_cast<std::uint64_t>(units) <= units_mask);
    const auto bits = static_cast<std::uint64_t>(units);
    set_low_word((low_word() & units_mask) | bits << units_bits);
    set_high_word((high_word() & ~std::uint64_t{0xFFFF}) | bits >> 24);
  }
  void set_last_decision_index(std::uint64_t index) {
    LOKET_ASSERT(index < decision_index_limit);
    set_high_word((high_word() & 0xFFFF) | index << 16);
  }

  static constexpr unsigned units_bits = 40;
  static constexpr std::uint64_t units_mask = (std::uint64_t{1} << units_bits) - 1;
  // 2.8e14 decisions: more than 2.8 million for each of limits::applications_max.
  static constexpr std::uint64_t decision_index_limit = std::uint64_t{1} << 48;

 private:
  // low: requested (bits 0-39), granted bits 0-23; high: granted bits 24-39, decision number.
  std::uint64_t low_word() const { return load(0); }
  std::uint64_t high_word() const { return load(8); }
  void set_low_word(std::uint64_t word) { std::memcpy(packed_.data(), &word, 8); }
  void set_high_word(std::uint64_t word) { std::memcpy(packed_.data() + 8, &word, 8); }
  std::uint64_t load(std::size_t at) const {
    std::uint64_t word = 0;
    std::memcpy(&word, packed_.data() + at, 8);
    return word;
  }
  std::array<std::uint8_t, 16> packed_{};
};
static_assert(sizeof(ApplicationRecord) == 36 && alignof(ApplicationRecord) == 4);
static_assert(limits::amount_cents_max <= static_cast<std::int64_t>(ApplicationRecord::units_mask));

// A compartment of a money tranche, or the places of a places tranche.
struct Pool {
  std::int64_t capacity_units = 0;
  std::int64_t remaining_units = 0;
  std::int64_t granted_units = 0;
  std::int64_t appeal_granted_units = 0;
  std::int64_t transferred_in_units = 0;
  std::int64_t transferred_out_units = 0;
  std::int64_t carried_in_units = 0;   // R11: from earlier tranches' remainders
  std::int64_t carried_out_units = 0;  // R11: this pool's remainder at its tranche's close
  std::int64_t unmet_units = 0;
  std::uint32_t unmet_count = 0;     // applications in `unmet` still short of their request
  bool blocked = false;              // Fit::block: one did not fit, every later one waits
  std::vector<std::uint32_t> unmet;  // applications that fell short, in rank order (R7, R8)
};

struct PendingEntry {
  std::uint32_t application = 0;
  LocalDate day = 0;  // the scheme-local day of its receipt
};

// R8: a lottery tranche's committed seed chain, once its commit_seed event was applied.
struct SeedCommitment {
  std::array<std::uint8_t, 32> commitment{};
  std::uint32_t draws = 0;
  std::optional<std::array<std::uint8_t, 32>> nonce;
};

struct TrancheState {
  bool closed = false;
  std::optional<SeedCommitment> seed_commitment;
  LocalDate days_closed_through = INT32_MIN;
  std::vector<PendingEntry> pending;  // in sequence order; [pending_head, end) still pending
  std::size_t pending_head = 0;
  std::vector<Pool> pools;
  std::array<std::uint64_t, outcome_count> applications_by_outcome{};
  std::array<std::uint64_t, reason_count> rejected_by_reason{};  // sums to the rejected count
};

// R6's fit rules: how much of `need_units` an application gets from `remaining_units`.
// `blocked` is the block rule's memory: once one does not fit, it stays set and later ones
// get nothing.
std::int64_t units_to_grant(Fit fit, std::int64_t need_units, std::int64_t remaining_units,
                            bool& blocked);

class AllocatorCore {
 public:
  AllocatorCore(Scheme scheme, AllocatorOptions options);

  Refusal apply(const Command& command, Sequence sequence, TimestampNs timestamp,
                std::vector<Decision>& decisions);
  void prefetch(const Command& command) const;

  // Read access for Allocator's queries.
  const Scheme& scheme() const { return scheme_; }
  Sequence last_sequence() const { return last_sequence_; }
  TimestampNs last_timestamp() const { return last_timestamp_; }
  std::uint64_t decisions_made() const { return decisions_made_; }
  const TrancheState& tranche_state(std::size_t index) const { return tranches_[index]; }
  std::span<const ApplicationRecord> records() const { return {records_.data(), record_count_}; }
  // R11: the tranches not yet closed that carry into `tranche` (allocator_carry_over.cpp).
  std::vector<std::size_t> open_carry_over_sources(std::size_t tranche) const;
  std::uint32_t find_id(std::string_view application_id) const {
    return find_id(application_id, id_hash(application_id));
  }
  std::uint32_t find_id(std::string_view application_id, std::uint32_t hash) const {
    return lookup_id(application_id, hash).index;
  }
  IndexTable::Lookup lookup_id(std::string_view application_id, std::uint32_t hash) const;
  std::string_view id_of(std::uint32_t application) const;
  std::size_t bytes_used() const;

 private:
  // allocator_submit.cpp
  Refusal submit(const SubmitCommand& command, TimestampNs timestamp);
  void allocate_arrival(std::uint32_t application);
  // allocator_close.cpp
  Refusal close_day(const CloseDayCommand& command, TimestampNs timestamp);
  Refusal close(const CloseCommand& command);
  void decide_pending_through(std::size_t tranche, LocalDate last_day,
                              std::span<const std::uint8_t> seed);
  void decide_group(std::size_t tranche, std::size_t begin, std::size_t end,
                    std::span<const std::uint8_t> seed);
  void spill_over(std::size_t tranche);
  void serve_unmet(std::size_t tranche, std::size_t pool);
  void exhaust(std::size_t tranche);
  // allocator_carry_over.cpp
  void carry_over(std::size_t tranche);
  void receive_carry_over(std::size_t tranche, std::int64_t amount_units);
  // allocator_appeal.cpp
  Refusal appeal(const AppealCommand& command);
  // allocator_seed.cpp
  Refusal commit_seed(const CommitSeedCommand& command);
  Refusal check_seed(std::size_t tranche, std::optional<LocalDate> day,
                     std::span<const std::uint8_t> seed) const;

  // allocator.cpp: shared steps
  void assess(std::uint32_t application, bool& blocked);
  void set_state(std::uint32_t application, Outcome outcome, Reason reason);
  void emit(std::uint32_t application, Field field = Field::none);
  // Stores a submission with a valid id that `id_lookup` (of ids_, by id_hash) did not find,
  // and returns its number.
  std::uint32_t add_record(std::string_view application_id, const IndexTable::Lookup& id_lookup,
                           std::uint8_t tranche, Outcome outcome, Reason reason);
  void emit_transfer(std::size_t tranche, std::size_t from, std::size_t to,
                     std::int64_t amount_units);
  void emit_carry_over(std::size_t from_tranche, std::size_t to_tranche, std::int64_t amount_units);
  std::uint32_t participant_hash(const ParticipantPrefix& participant, std::uint8_t tranche) const;
  std::uint32_t participant_hash(const ApplicationRecord& record) const {
    return participant_hash(record.participant, record.tranche);
  }
  std::uint32_t find_holder(const ApplicationRecord& record) const {
    return lookup_holder(record).index;
  }
  IndexTable::Lookup lookup_holder(const ApplicationRecord& record) const;
  void hold_participant(std::uint32_t application);
  // The same, where holder_lookup is the lookup_holder of it that found none, just made.
  void hold_participant(std::uint32_t application, const IndexTable::Lookup& holder_lookup);
  void release_participant(std::uint32_t application);
  void check_pool_invariants(std::size_t tranche) const;

  Scheme scheme_;
  std::vector<TrancheState> tranches_;
  // Sized (and so touched) up front; record_count_ of them are in use.
  HugeBuffer<ApplicationRecord> records_;
  std::size_t record_count_ = 0;
  IdArena id_arena_;
  IndexTable ids_;
  IndexTable participants_;
  Sequence last_sequence_ = 0;
  TimestampNs last_timestamp_ = INT64_MIN;
  std::uint64_t decisions_made_ = 0;            // by every apply() accepted so far
  std::vector<Decision>* decisions_ = nullptr;  // the output of the apply() in progress
  std::vector<std::uint32_t> scratch_group_;    // reused by decide_group
  std::vector<std::pair<std::array<std::uint8_t, 32>, std::uint32_t>> scratch_ranks_;
  // R9: each appeal (application, reference) counts once, however often it is sent.
  std::set<std::pair<std::uint32_t, std::string>> appeals_granted_;
};

}  // namespace loket
