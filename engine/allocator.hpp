// The allocator: a deterministic state machine over one scheme (rules R1-R10 in
// docs/rules.md). It is single-threaded by design, reads no clock and no randomness, does no
// I/O, and allocates no memory per submission once its tables are reserved.
//
//   Allocator allocator(scheme);
//   std::vector<Decision> decisions;
//   Refusal refusal = allocator.apply(command, sequence, timestamp, decisions);
//
// Contract of apply():
//   - sequence must be last_sequence() + 1 and timestamp must not be earlier than the last
//     applied timestamp (R1); violating either is a programmer error and aborts.
//   - On success it returns Refusal::none, consumes the sequence and fills `decisions`
//     (cleared first) with every decision the command caused, in the order they were made.
//   - A refused command (an operator command that does not apply, a reused application id)
//     returns the reason, changes no state, leaves `decisions` empty and does not consume the
//     sequence.
// The same scheme and the same (command, sequence, timestamp) stream always give the same
// decisions, byte for byte.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/command.hpp"
#include "engine/decision.hpp"
#include "engine/scheme.hpp"

namespace loket {

class AllocatorCore;

struct AllocatorOptions {
  // Tables are reserved for this many applications up front; more still works but grows them.
  std::size_t applications_expected = 1 << 16;
};

// A compartment's money, or a places tranche's places ("units"), at this moment.
struct PoolStatus {
  std::string_view compartment_id;  // empty for places and for an implicit compartment
  std::int64_t capacity_units = 0;  // its share of the cap, before transfers
  std::int64_t remaining_units = 0;
  std::int64_t granted_units = 0;         // within the cap
  std::int64_t appeal_granted_units = 0;  // above the cap (R9)
  std::int64_t transferred_in_units = 0;
  std::int64_t transferred_out_units = 0;
  std::int64_t carried_in_units = 0;   // R11: from earlier tranches
  std::int64_t carried_out_units = 0;  // R11: to a later tranche, at this one's close
  std::int64_t unmet_units = 0;        // requested but not (yet) granted, of waiting applications
};

struct TrancheStatus {
  bool closed = false;
  bool counts_places = false;
  std::array<std::uint64_t, outcome_count>
      applications_by_outcome{};                                 // indexed by Outcome's number
  std::array<std::uint64_t, reason_count> rejected_by_reason{};  // indexed by Reason's number
  // Lottery applications not yet drawn (same-day or window), and on how many scheme-local
  // days they were received.
  std::uint64_t pending_applications = 0;
  std::uint32_t pending_days = 0;
  std::vector<PoolStatus> pools;
  // R8: the journaled commitment to the tranche's lottery seeds, if it has one.
  std::optional<std::array<std::uint8_t, 32>> seed_commitment;
  std::uint32_t seed_draws = 0;
  std::optional<std::array<std::uint8_t, 32>> seed_nonce;  // absent: a journal before nonces
};

struct ApplicationStatus {
  std::string_view application_id;
  std::uint8_t tranche_index = no_tranche;
  std::uint8_t compartment_index = no_compartment;
  Outcome outcome = Outcome::rejected;
  Reason reason = Reason::none;
  std::int64_t requested_units = 0;
  std::int64_t granted_units = 0;
  // Its latest decision's number among all decisions made, from 0: its leaf index in the
  // journal's decision tree.
  std::uint64_t last_decision_index = 0;
};

class Allocator {
 public:
  explicit Allocator(Scheme scheme, AllocatorOptions options = {});
  ~Allocator();
  Allocator(Allocator&&) noexcept;
  Allocator& operator=(Allocator&&) noexcept;

  Refusal apply(const Command& command, Sequence sequence, TimestampNs timestamp,
                std::vector<Decision>& decisions);

  // A hint that `command` will be applied soon: starts loading the table slots it will probe,
  // so that a caller holding a batch (the server's queue, a replay) can overlap the cache
  // misses of several commands. Changes no state; decisions are the same with or without it.
  void prefetch(const Command& command) const;

  const Scheme& scheme() const;
  Sequence last_sequence() const;
  TimestampNs last_timestamp() const;
  // Every decision of every accepted command so far: the size of the journal's decision tree.
  std::uint64_t decisions_made() const;
  TrancheStatus tranche_status(std::size_t tranche_index) const;
  // R11: the tranches not yet closed that carry into this one; while there are any, closing
  // it is refused (Refusal::carry_over_source_open).
  std::vector<std::size_t> open_carry_over_sources(std::size_t tranche_index) const;
  std::optional<ApplicationStatus> find_application(std::string_view application_id) const;
  std::size_t application_count() const;
  // Heap bytes held by the engine's tables (for the memory benchmark).
  std::size_t bytes_used() const;

 private:
  std::unique_ptr<AllocatorCore> core_;
};

}  // namespace loket
