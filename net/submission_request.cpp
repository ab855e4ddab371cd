#include "net/submission_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "engine/limits.hpp"
#include "net/limits.hpp"
#include "parse/event_json.hpp"
#include "parse/strict_json.hpp"

namespace loket {
namespace {

Problem out_of_range(std::string_view field, std::int64_t magnitude_max) {
  return make_problem(
      400, "out-of-range", "A number is outside the range the API accepts",
      fmt::format("\"{}\" must be between -{} and {}", field, magnitude_max, magnitude_max),
      std::string(field));
}

bool beyond(const std::optional<std::int64_t>& value, std::int64_t magnitude_max) {
  return value && (*value < -magnitude_max || *value > magnitude_max);
}

// Amounts far outside what any rule could accept are refused here, before anything is
// journaled; within that range the engine decides (R3: a non-positive amount is `invalid`,
// with a receipt). Activity counts out of range are marked malformed by the parser and never
// journaled as numbers. A client id in the generated ids' namespace is refused too.
std::optional<Problem> check_ranges(const SubmitCommand& command) {
  if (command.application_id.starts_with(net_limits::generated_id_prefix)) {
    return make_problem(
        400, "reserved-id", "This id is reserved for ids the server generates",
        fmt::format("an id may not start with \"{}\"", net_limits::generated_id_prefix), "id");
  }
  if (beyond(command.amount_cents, limits::amount_cents_max)) {
    return out_of_range("amount_cents", limits::amount_cents_max);
  }
  if (beyond(command.declared_value_cents, limits::amount_cents_max)) {
    return out_of_range("declared_value_cents", limits::amount_cents_max);
  }
  return std::nullopt;
}

}  // namespace

std::variant<SubmissionRequest, Problem> parse_submission_body(
    std::string_view tranche_id, std::string_view body,
    std::span<const std::uint8_t> participant_secret_key, std::string_view generated_id) {
  Result<boost::json::value> parsed = parse_strict_json(body);
  if (!parsed.ok()) {
    return make_problem(400, "invalid-json", "The body is not acceptable JSON",
                        parsed.status().message());
  }
  const boost::json::object* object = parsed->if_object();
  if (object == nullptr) {
    return make_problem(400, "invalid-json", "The body is not acceptable JSON",
                        "the body must be a JSON object");
  }
  static constexpr std::array<std::string_view, 8> known = {
      "id",         "participant",          "participant_hmac", "amount_cents",
      "activities", "declared_value_cents", "partnership",      "monitoring"};
  for (const auto& member : *object) {
    if (std::find(known.begin(), known.end(), member.key()) == known.end()) {
      return make_problem(
          400, "unknown-field", "The body has a field the API does not know",
          fmt::format(
              "unknown field \"{}\"",
              std::string_view(member.key()).substr(0, net_limits::echoed_field_name_bytes_max)),
          std::string(member.key().substr(0, net_limits::echoed_field_name_bytes_max)));
    }
  }
  SubmissionRequest request;
  SubmitCommand command;
  read_submit_fields(*object, participant_secret_key, command);
  if (auto problem = check_ranges(command)) return *problem;
  request.tranche_id = tranche_id;
  request.application_id =
      object->contains("id") ? std::string(command.application_id) : std::string(generated_id);
  if (const boost::json::value* monitoring = object->if_contains("monitoring")) {
    request.monitoring_json = boost::json::serialize(*monitoring);
    if (!monitoring->is_object() || request.monitoring_json.size() > limits::monitoring_bytes_max) {
      return make_problem(400, "invalid-monitoring", "The monitoring attributes are not acceptable",
                          fmt::format("\"monitoring\" must be an object of at most {} bytes",
                                      limits::monitoring_bytes_max),
                          "monitoring");
    }
  }
  command.tranche_id = {};
  command.application_id = {};
  request.fields = command;
  return request;
}

}  // namespace loket
