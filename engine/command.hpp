// The commands the allocator accepts. They are views: strings and seeds point into memory the
// caller owns for the duration of Allocator::apply, so the hot path copies nothing it does
// not keep.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

#include "engine/scheme.hpp"
#include "engine/types.hpp"

namespace loket {

struct Partnership {
  bool employer_org = false;
  bool employee_org = false;
  bool stvda_advice = false;  // prior advice of the Stichting van de Arbeid
};

// Bit for a Field in SubmitCommand::malformed_fields.
static_assert(field_count <= 8, "malformed_fields holds one bit per Field in a byte");
constexpr std::uint8_t field_bit(Field field) {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(field));
}

struct SubmitCommand {
  std::string_view tranche_id;
  std::string_view application_id;  // empty when absent
  std::optional<ParticipantKey> participant;
  std::optional<std::int64_t> amount_cents;
  std::optional<std::array<std::int64_t, activity_count>> activity_units;
  std::optional<std::int64_t> declared_value_cents;
  std::optional<Partnership> partnership;
  // Fields that were present but of the wrong type or out of range, as field_bit()s. The
  // parser marks them; the allocator turns the first into an `invalid` decision (R3).
  std::uint8_t malformed_fields = 0;
};

struct CloseDayCommand {
  std::string_view tranche_id;
  LocalDate date = 0;
  // With a commitment: the revealed secret of this day's draw, then an optional beacon.
  std::span<const std::uint8_t> seed;
};

struct CloseCommand {
  std::string_view tranche_id;
  std::span<const std::uint8_t> seed;  // may be empty for an `arrival` tranche
};

struct AppealCommand {
  std::string_view tranche_id;
  std::string_view application_id;
  std::optional<std::int64_t> amount_cents;  // money tranches: the amount granted on appeal
  std::string_view reference;                // the ruling or objection it follows
};

// R8: the commitment to a lottery tranche's seeds, journaled before its first submission. It
// decides nothing; from then on every draw of the tranche must reveal the committed secret
// (engine/lottery.hpp). draws must be lottery_draws() of the tranche.
//
// nonce: drawn fresh for each journal, so that two journals under the same lottery key and
// scheme commit to unrelated secrets. Absent only in journals from before nonces.
struct CommitSeedCommand {
  std::string_view tranche_id;
  std::array<std::uint8_t, 32> commitment{};
  std::uint32_t draws = 0;
  std::optional<std::array<std::uint8_t, 32>> nonce;
};

// A signed checkpoint of the journal's decision tree (proof/checkpoint.hpp), journaled as an
// event of its own. The allocator decides nothing for it; core/ (the Sequencer, recovery)
// checks that it pins the tree as it stands.
struct CheckpointCommand {
  std::string_view note;  // at most limits::checkpoint_note_bytes_max
};

using Command = std::variant<SubmitCommand, CloseDayCommand, CloseCommand, AppealCommand,
                             CommitSeedCommand, CheckpointCommand>;

}  // namespace loket
