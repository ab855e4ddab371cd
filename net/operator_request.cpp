#include "net/operator_request.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "engine/civil_time.hpp"
#include "engine/crypto.hpp"
#include "engine/limits.hpp"
#include "net/limits.hpp"
#include "parse/strict_json.hpp"

namespace loket {
namespace {

Problem field_problem(std::string_view field, std::string detail) {
  return make_problem(400, "invalid-field", "A field of the body is not acceptable",
                      std::move(detail), std::string(field));
}

}  // namespace

std::optional<Problem> read_operator_body(std::string_view body, Job& job) {
  boost::json::object object;
  if (!body.empty()) {
    StrictJson parsed = parse_strict_json(body);
    if (!parsed.value || !parsed.value->is_object()) {
      return make_problem(400, "invalid-json", "The body is not acceptable JSON",
                          parsed.value ? "the body must be a JSON object" : parsed.error);
    }
    object = std::move(parsed.value->as_object());
  }
  std::vector<std::string_view> known = {"seed", "beacon"};
  if (job.endpoint == Endpoint::close_day) known = {"date", "seed", "beacon"};
  if (job.endpoint == Endpoint::appeal) known = {"id", "amount_cents", "reference"};
  for (const auto& member : object) {
    if (std::find(known.begin(), known.end(), member.key()) == known.end()) {
      return make_problem(
          400, "unknown-field", "The body has a field the API does not know",
          fmt::format(
              "unknown field \"{}\"",
              std::string_view(member.key()).substr(0, net_limits::echoed_field_name_bytes_max)),
          std::string(member.key().substr(0, net_limits::echoed_field_name_bytes_max)));
    }
  }
  if (const auto* seed = object.if_contains("seed")) {
    const auto bytes = seed->is_string() ? from_hex(seed->get_string()) : std::nullopt;
    if (!bytes || bytes->empty() || bytes->size() > limits::seed_bytes_max) {
      return field_problem("seed",
                           fmt::format("must be 1 to {} bytes of hex", limits::seed_bytes_max));
    }
    job.seed = *bytes;
  }
  if (const auto* beacon = object.if_contains("beacon")) {
    const auto bytes = beacon->is_string() ? from_hex(beacon->get_string()) : std::nullopt;
    if (!bytes || bytes->empty() || bytes->size() > limits::lottery_beacon_bytes_max) {
      return field_problem(
          "beacon", fmt::format("must be 1 to {} bytes of hex", limits::lottery_beacon_bytes_max));
    }
    // A seed of the operator's own is taken whole; a beacon is mixed into the committed one.
    if (!job.seed.empty()) return field_problem("beacon", "give \"seed\" or \"beacon\", not both");
    job.beacon = *bytes;
  }
  if (job.endpoint == Endpoint::close_day) {
    const auto* date = object.if_contains("date");
    const auto parsed = date && date->is_string() ? parse_date(date->get_string()) : std::nullopt;
    if (!parsed) return field_problem("date", "must be a date YYYY-MM-DD");
    job.date = *parsed;
  }
  if (job.endpoint == Endpoint::appeal) {
    const auto* id = object.if_contains("id");
    if (id == nullptr || !id->is_string())
      return field_problem("id", "must be the application's id");
    job.application_id = std::string(id->get_string());
    if (const auto* amount = object.if_contains("amount_cents")) {
      if (!amount->is_int64())
        return field_problem("amount_cents", "must be an integer number of cents");
      job.amount_cents = amount->get_int64();
    }
    const auto* reference = object.if_contains("reference");
    if (reference == nullptr || !reference->is_string() ||
        reference->get_string().size() > limits::appeal_reference_bytes_max) {
      return field_problem("reference", fmt::format("must be a string of at most {} bytes",
                                                    limits::appeal_reference_bytes_max));
    }
    job.reference = std::string(reference->get_string());
  }
  return std::nullopt;
}

}  // namespace loket
