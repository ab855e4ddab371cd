#include "engine/submission_checks.hpp"

#include <algorithm>
#include <array>
#include <variant>

#include "engine/assert.hpp"
#include "engine/limits.hpp"

namespace loket {
namespace {

bool malformed(const SubmitCommand& command, Field field) {
  return (command.malformed_fields & field_bit(field)) != 0;
}

SubmissionCheck invalid(Field field) {
  return {Reason::invalid, field, 0, 0};
}

// The amount an application asks for, in cents: from its activities at the scheme's unit
// prices when it lists them, otherwise as stated. Returns the failing field on error.
std::variant<std::int64_t, Field> requested_cents(const Scheme& scheme,
                                                  const SubmitCommand& command) {
  if (!command.activity_units) {
    if (!command.amount_cents) return Field::amount_cents;
    if (*command.amount_cents > limits::amount_cents_max) return Field::amount_cents;
    return *command.amount_cents;
  }
  std::int64_t total_cents = 0;
  for (std::size_t index = 0; index < activity_count; ++index) {
    const std::int64_t units = (*command.activity_units)[index];
    if (units < 0 || units > limits::activity_units_max) return Field::activities;
    if (units == 0) continue;
    if (!scheme.unit_subsidy_cents[index]) return Field::activities;
    total_cents += units * *scheme.unit_subsidy_cents[index];
  }
  if (total_cents <= 0 || total_cents > limits::amount_cents_max) return Field::activities;
  if (command.amount_cents && *command.amount_cents != total_cents) return Field::amount_cents;
  return total_cents;
}

}  // namespace

bool is_valid_application_id(std::string_view application_id) {
  // A table rather than comparisons: this runs for every submission on the allocator thread.
  static constexpr auto allowed = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c) {
      table[static_cast<std::size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                           (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                                           c == '.' || c == ':';
    }
    return table;
  }();
  if (application_id.empty() || application_id.size() > limits::application_id_bytes_max) {
    return false;
  }
  return std::all_of(application_id.begin(), application_id.end(),
                     [](char c) { return allowed[static_cast<unsigned char>(c)]; });
}

std::optional<std::uint8_t> find_band(const Tranche& tranche, std::int64_t amount_cents) {
  LOKET_ASSERT(!tranche.counts_places && !tranche.compartments.empty());
  std::optional<std::uint8_t> found;
  for (std::size_t index = 0; index < tranche.compartments.size(); ++index) {
    const Compartment& compartment = tranche.compartments[index];
    if (amount_cents < compartment.min_cents || amount_cents > compartment.max_cents) continue;
    if (!found || amount_cents == compartment.max_cents) found = static_cast<std::uint8_t>(index);
  }
  return found;
}

SubmissionCheck check_submission(const Scheme& scheme, std::optional<std::size_t> tranche_index,
                                 bool tranche_closed, const SubmitCommand& command,
                                 TimestampNs timestamp, bool id_valid) {
  if (!tranche_index) return {Reason::unknown_tranche, Field::none, 0, 0};
  const Tranche& tranche = scheme.tranches[*tranche_index];
  if (timestamp < tranche.opens_at) return {Reason::window_not_open, Field::none, 0, 0};
  if (tranche_closed || timestamp >= tranche.closes_at) {
    return {Reason::window_closed, Field::none, 0, 0};
  }

  if (malformed(command, Field::id) || !id_valid) {
    return invalid(Field::id);
  }
  if (malformed(command, Field::participant) || !command.participant) {
    return invalid(Field::participant);
  }
  if (malformed(command, Field::amount_cents) ||
      (command.amount_cents && *command.amount_cents <= 0)) {
    return invalid(Field::amount_cents);
  }
  if (malformed(command, Field::activities)) return invalid(Field::activities);
  std::int64_t requested_units = 1;
  if (!tranche.counts_places) {
    const auto requested = requested_cents(scheme, command);
    if (const Field* field = std::get_if<Field>(&requested)) return invalid(*field);
    requested_units = std::get<std::int64_t>(requested);
  }
  const bool needs_declared_value = scheme.cofinancing_percent && !tranche.counts_places;
  if (malformed(command, Field::declared_value_cents) ||
      (needs_declared_value &&
       (!command.declared_value_cents || *command.declared_value_cents <= 0 ||
        *command.declared_value_cents > limits::amount_cents_max))) {
    return invalid(Field::declared_value_cents);
  }
  if (malformed(command, Field::partnership) ||
      (scheme.requires_partnership && !command.partnership)) {
    return invalid(Field::partnership);
  }

  if (scheme.requires_partnership) {
    const Partnership& partnership = *command.partnership;
    const bool both_sides = partnership.employer_org && partnership.employee_org;
    if (!both_sides && !partnership.stvda_advice) return {Reason::ineligible, Field::none, 0, 0};
  }
  if (needs_declared_value) {
    // At p % co-financing the subsidy is at most (100 - p) % of the value: at 20 %, the value
    // must be at least 125 % of the subsidy. Integer form, exact: value*(100-p) >= subsidy*100.
    const std::int64_t share_percent = 100 - *scheme.cofinancing_percent;
    if (*command.declared_value_cents * share_percent < requested_units * 100) {
      return {Reason::ineligible, Field::none, 0, 0};
    }
  }

  std::uint8_t pool = 0;
  if (!tranche.counts_places) {
    const auto band = find_band(tranche, requested_units);
    if (!band) return {Reason::amount_out_of_bounds, Field::none, 0, 0};
    pool = *band;
  }
  LOKET_ASSERT(requested_units > 0);
  return {Reason::none, Field::none, requested_units, pool};
}

}  // namespace loket
