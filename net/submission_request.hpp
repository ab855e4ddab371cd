// The body of POST /v1/tranches/{tranche}/submissions: the submit fields of the event format
// (docs/events.md) without type, seq and received_at, with an optional id and monitoring
// attributes. A body that is not a JSON object, repeats a key or has an unknown key is a
// problem (400); a field of the wrong kind is not: the allocator rejects the submission
// `invalid` and the client gets a receipt for that decision (R3).
#pragma once

#include <span>
#include <string>
#include <variant>

#include "engine/command.hpp"
#include "net/problem.hpp"

namespace loket {

struct SubmissionRequest {
  std::string tranche_id;
  std::string application_id;
  std::string monitoring_json;
  SubmitCommand fields;  // everything but the two ids, which live in the strings above

  // The command, viewing this request's strings: build it where it is used, because moving
  // a request moves (and, for short strings, relocates) what the views point at.
  SubmitCommand command() const {
    SubmitCommand command = fields;
    command.tranche_id = tranche_id;
    command.application_id = application_id;
    return command;
  }
};

// generated_id is used when the body has no "id".
std::variant<SubmissionRequest, Problem> parse_submission_body(
    std::string_view tranche_id, std::string_view body,
    std::span<const std::uint8_t> participant_secret_key, std::string_view generated_id);

}  // namespace loket
