// The engine's vocabulary. Enum numbers are stable: they are written to the journal, so a
// value is never renumbered or reused; new values are appended.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace loket {

using Sequence = std::uint64_t;    // R1: dense, 1-based, the order of arrival
using TimestampNs = std::int64_t;  // nanoseconds since 1970-01-01T00:00:00Z
using LocalDate = std::int32_t;    // days since 1970-01-01 in the scheme's time zone

// HMAC-SHA-256 of a participant identifier (R4). The clear identifier never reaches the
// engine; the front end hashes it with the configured secret key.
using ParticipantKey = std::array<std::uint8_t, 32>;

enum class Outcome : std::uint8_t {
  granted = 1,
  pending = 2,
  waitlisted = 3,
  rejected = 4,
};
// Every array indexed by an enum's number and every loop over its values is sized by its count:
// the last enumerator's number plus one (number 0 is `none`, or unused for Outcome). A new
// enumerator is appended, so it becomes the last and moves the count with it.
inline constexpr Outcome outcome_first = Outcome::granted;
inline constexpr Outcome outcome_last = Outcome::rejected;
inline constexpr std::size_t outcome_count = static_cast<std::size_t>(outcome_last) + 1;

// Ordered by the precedence in which R3 checks them; the allocator returns the first that
// applies. tranche_full and budget_exhausted come from allocation itself, appeal from R9.
enum class Reason : std::uint8_t {
  none = 0,
  unknown_tranche = 1,
  window_not_open = 2,
  window_closed = 3,
  invalid = 4,
  ineligible = 5,
  amount_out_of_bounds = 6,
  duplicate_participant = 7,
  tranche_full = 8,
  budget_exhausted = 9,
  appeal = 10,
};
inline constexpr Reason reason_last = Reason::appeal;
inline constexpr std::size_t reason_count = static_cast<std::size_t>(reason_last) + 1;

// The submission field that made a submission `invalid`, in the fixed order they are checked.
enum class Field : std::uint8_t {
  none = 0,
  id = 1,
  participant = 2,
  amount_cents = 3,
  activities = 4,
  declared_value_cents = 5,
  partnership = 6,
};
inline constexpr Field field_last = Field::partnership;
inline constexpr std::size_t field_count = static_cast<std::size_t>(field_last) + 1;

// Why the engine refused an operator command (close, close-day, appeal, commit_seed) or a
// submission whose id is already taken. A refused command changes nothing and yields no decision.
enum class Refusal : std::uint8_t {
  none = 0,
  unknown_tranche = 1,
  tranche_closed = 2,
  seed_missing = 3,
  day_not_over = 4,
  day_already_closed = 5,
  ranking_has_no_days = 6,
  unknown_application = 7,
  application_pending = 8,
  appeal_amount_invalid = 9,
  appeal_exceeds_request = 10,
  appeal_reference_missing = 11,
  duplicate_application_id = 12,
  capacity_exhausted = 13,
  duplicate_appeal = 14,
  seed_invalid = 15,
  day_outside_window = 16,
  seed_commitment_invalid = 17,
  seed_commitment_late = 18,
  checkpoint_mismatch = 19,     // core/'s: a checkpoint that does not pin the tree as it stands
  carry_over_source_open = 20,  // R11: a tranche that carries into this one is still open
};
inline constexpr Refusal refusal_last = Refusal::carry_over_source_open;
inline constexpr std::size_t refusal_count = static_cast<std::size_t>(refusal_last) + 1;

std::string_view to_string(Outcome outcome);
std::string_view to_string(Reason reason);  // "" for Reason::none
std::string_view to_string(Field field);    // "" for Field::none
std::string_view to_string(Refusal refusal);
std::string_view describe(Refusal refusal);  // one sentence for an operator

std::optional<Outcome> outcome_from_string(std::string_view text);
std::optional<Reason> reason_from_string(std::string_view text);
std::optional<Field> field_from_string(std::string_view text);

}  // namespace loket
