#include "engine/types.hpp"

#include <utility>

#include "engine/assert.hpp"

namespace loket {
namespace {

// One table per enum, indexed by the enum's number, so that to_string and from_string cannot
// drift apart.
constexpr std::array<std::string_view, outcome_count> outcome_names = {"", "granted", "pending",
                                                                       "waitlisted", "rejected"};
constexpr std::array<std::string_view, reason_count> reason_names = {"",
                                                                     "unknown_tranche",
                                                                     "window_not_open",
                                                                     "window_closed",
                                                                     "invalid",
                                                                     "ineligible",
                                                                     "amount_out_of_bounds",
                                                                     "duplicate_participant",
                                                                     "tranche_full",
                                                                     "budget_exhausted",
                                                                     "appeal"};
constexpr std::array<std::string_view, field_count> field_names = {
    "", "id", "participant", "amount_cents", "activities", "declared_value_cents", "partnership"};
constexpr std::array<std::string_view, refusal_count> refusal_names = {"",
                                                                       "unknown_tranche",
                                                                       "tranche_closed",
                                                                       "seed_missing",
                                                                       "day_not_over",
                                                                       "day_already_closed",
                                                                       "ranking_has_no_days",
                                                                       "unknown_application",
                                                                       "application_pending",
                                                                       "appeal_amount_invalid",
                                                                       "appeal_exceeds_request",
                                                                       "appeal_reference_missing",
                                                                       "duplicate_application_id",
                                                                       "capacity_exhausted",
                                                                       "duplicate_appeal",
                                                                       "seed_invalid",
                                                                       "day_outside_window",
                                                                       "seed_commitment_invalid",
                                                                       "seed_commitment_late",
                                                                       "checkpoint_mismatch",
                                                                       "carry_over_source_open"};
constexpr std::array<std::string_view, refusal_count> refusal_descriptions = {
    "",
    "the tranche does not exist in this scheme",
    "the tranche is already closed",
    "a lottery needs a seed (hex) in the close event",
    "the day has not ended yet in the scheme's time zone",
    "that day is already closed",
    "only a same_day_lottery tranche has days to close",
    "no application with that id exists in that tranche",
    "the application is still pending; appeal after its decision",
    "an appeal on a money tranche needs a positive amount_cents; on a places tranche none",
    "the appeal would grant more than the application requested",
    "an appeal needs a reference (the ruling or objection it follows)",
    "an application with that id was already submitted",
    "the engine holds as many applications as its limits allow",
    "this appeal (the same application and reference) was already granted",
    "the seed is longer than 64 bytes, or does not begin with the secret committed for this draw",
    "the tranche's seed is committed for the days of its window only; close the tranche instead",
    "a seed commitment needs a lottery tranche without one, and its number of draws",
    "a seed commitment must come before the tranche's first submission",
    "a checkpoint must name this scheme's log, the decisions made so far and their root",
    "a tranche that carries its remainder into this one is still open; close that one first"};

// An array sized by a count but given too few names would fill the rest with "": every
// number after 0 must have its name.
template <std::size_t N>
constexpr bool named_from_one(const std::array<std::string_view, N>& names) {
  for (std::size_t index = 1; index < N; ++index) {
    if (names[index].empty()) return false;
  }
  return true;
}
static_assert(named_from_one(outcome_names) && named_from_one(reason_names) &&
              named_from_one(field_names) && named_from_one(refusal_names) &&
              named_from_one(refusal_descriptions));

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, Enum value) {
  const auto index = static_cast<std::size_t>(value);
  LOKET_ASSERT(index < N);
  return names[index];
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names,
                               std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (std::size_t index = 0; index < N; ++index) {
    if (names[index] == text) return static_cast<Enum>(index);
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Outcome outcome) {
  return name_of(outcome_names, outcome);
}
std::string_view to_string(Reason reason) {
  return name_of(reason_names, reason);
}
std::string_view to_string(Field field) {
  return name_of(field_names, field);
}
std::string_view to_string(Refusal refusal) {
  return name_of(refusal_names, refusal);
}
std::string_view describe(Refusal refusal) {
  return name_of(refusal_descriptions, refusal);
}

std::optional<Outcome> outcome_from_string(std::string_view text) {
  return parse_name<Outcome>(outcome_names, text);
}
std::optional<Reason> reason_from_string(std::string_view text) {
  return parse_name<Reason>(reason_names, text);
}
std::optional<Field> field_from_string(std::string_view text) {
  return parse_name<Field>(field_names, text);
}

}  // namespace loket
