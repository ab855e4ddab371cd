// The JSON-lines event format `loket allocate` reads and the decision format it writes
// (docs/events.md). One event per line:
//   {"type":"submit","seq":N,"received_at":"<RFC 3339>","tranche":"t2","id":"APP-1",
//    "participant":"..." | "participant_hmac":"<64 hex>", "amount_cents":N?,
//    "activities":{"A":n,...}?, "declared_value_cents":N?,
//    "partnership":{"employer_org":b,"employee_org":b,"stvda_advice":b}?, "monitoring":{...}?}
//   {"type":"close_day","seq":N,"received_at":"...","tranche":"t2","date":"YYYY-MM-DD","seed":"<hex>"}
//   {"type":"close","seq":N,"received_at":"...","tranche":"t2","seed":"<hex>"?}
//   {"type":"appeal","seq":N,"received_at":"...","tranche":"t2","id":"APP-1","amount_cents":N?,
//    "reference":"..."}
//   {"type":"commit_seed","seq":N,"received_at":"...","tranche":"t2","commitment":"<64 hex>",
//    "draws":N, "nonce":"<64 hex>"?}
// A submit whose own fields are missing or bad is still an event: the allocator rejects it
// `invalid`. Anything else that is off (not JSON, no type/seq/received_at, an unknown key, an
// operator event without its tranche) is an EventError.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "engine/command.hpp"
#include "engine/decision.hpp"
#include "engine/scheme.hpp"

namespace boost::json {
class object;
}

namespace loket {

struct ParsedEvent {
  Sequence sequence = 0;
  TimestampNs received_at = 0;
  Command command;  // views into the EventParser's buffers, valid until its next parse()
  std::string_view monitoring_json;  // a submit's "monitoring" object, re-serialized, or empty
};

class EventParser {
 public:
  // participant_secret_key: the HMAC key that turns a clear "participant" into its key (R4).
  explicit EventParser(std::vector<std::uint8_t> participant_secret_key);

  // The event, or invalid_argument saying what is off ("field 'seq': must be a positive
  // integer").
  Result<ParsedEvent> parse(std::string_view line);

 private:
  // One event type's own fields, after type, seq and received_at. Each throws on the first
  // bad field; parse() turns that into the result's error.
  Command read_submit(const boost::json::object& object, std::string_view& monitoring_json);
  Command read_close_day(const boost::json::object& object);
  Command read_close(const boost::json::object& object);
  Command read_appeal(const boost::json::object& object);
  Command read_commit_seed(const boost::json::object& object);
  Command read_checkpoint(const boost::json::object& object);
  std::span<const std::uint8_t> read_seed(const boost::json::object& object);

  std::vector<std::uint8_t> secret_key_;
  std::string tranche_id_;
  std::string application_id_;
  std::string reference_;
  std::vector<std::uint8_t> seed_;
  std::string monitoring_;
};

// Appends one event as a JSON line (with '\n') that EventParser reads back to the same
// command. The participant is written as "participant_hmac" (the clear identifier is never
// kept). A field the submission had malformed is written in a form that is malformed again
// ("amount_cents":"malformed", "id":false, "participant":""), so that replaying an export
// gives the same `invalid` decision.
void append_event_json(std::string& out, Sequence sequence, TimestampNs received_at,
                       const Command& command, std::string_view monitoring_json);

// Reads a submission's own fields (tranche, id, participant or participant_hmac, amount_cents,
// activities, declared_value_cents, partnership) from a JSON object: a submit event line, or
// the body of POST /v1/tranches/{tranche}/submissions. A field that is present but bad is
// marked in command.malformed_fields, never an error (R3). Strings are views into `object`.
void read_submit_fields(const boost::json::object& object,
                        std::span<const std::uint8_t> participant_secret_key,
                        SubmitCommand& command);

// Appends one decision as a JSON line (with '\n'):
//   {"seq":N,"id":"APP-1"|null,"outcome":"granted","reason":null|"<code>"[,"field":"<name>"],
//    "compartment":null|"small","granted_cents":N}
//   {"type":"transfer","seq":N,"tranche":"t2","from":"small","to":"large","amount_cents":N}
//   {"type":"carry_over","seq":N,"from_tranche":"w1","to_tranche":"w2","places"|"amount_cents":N}
void append_decision_json(std::string& out, const Scheme& scheme, Sequence sequence,
                          const Decision& decision);

}  // namespace loket
