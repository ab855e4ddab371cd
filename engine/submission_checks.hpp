// R3: the checks a submission passes before it is allocated, in their fixed order. A pure
// function of the scheme, the tranche's open/closed state, the command and its timestamp;
// duplicate_participant, the last check, needs the allocator's table and is done there.
#pragma once

#include <optional>

#include "engine/command.hpp"
#include "engine/scheme.hpp"

namespace loket {

struct SubmissionCheck {
  Reason reason = Reason::none;      // the first check that failed, or none
  Field field = Field::none;         // with Reason::invalid
  std::int64_t requested_units = 0;  // cents, or 1 for a place (when the checks pass)
  std::uint8_t pool = 0;             // the compartment whose band holds the amount
};

// id_valid: is_valid_application_id(command.application_id), which the caller has computed.
SubmissionCheck check_submission(const Scheme& scheme, std::optional<std::size_t> tranche_index,
                                 bool tranche_closed, const SubmitCommand& command,
                                 TimestampNs timestamp, bool id_valid);

// Ids appear in URLs and CSV cells, so they are 1-64 bytes of [A-Za-z0-9._:-].
bool is_valid_application_id(std::string_view application_id);

// The compartment whose band [min, max] holds the amount; at a shared boundary, the one that
// names it as max (R6). Nothing if no band holds it.
std::optional<std::uint8_t> find_band(const Tranche& tranche, std::int64_t amount_cents);

}  // namespace loket
