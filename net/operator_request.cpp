#include "net/operator_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <span>

#include "engine/assert.hpp"
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

// The body as an object whose members are all known to the endpoint.
std::variant<boost::json::object, Problem> read_object(std::string_view body,
                                                       std::span<const std::string_view> known) {
  boost::json::object object;
  if (!body.empty()) {
    Result<boost::json::value> parsed = parse_strict_json(body);
    if (!parsed.ok() || !parsed->is_object()) {
      return make_problem(
          400, "invalid-json", "The body is not acceptable JSON",
          parsed.ok() ? "the body must be a JSON object" : parsed.status().message());
    }
    object = std::move(parsed->as_object());
  }
  for (const auto& member : object) {
    if (std::find(known.begin(), known.end(), member.key()) == known.end()) {
      const std::string_view name =
          std::string_view(member.key()).substr(0, net_limits::echoed_field_name_bytes_max);
      return make_problem(400, "unknown-field", "The body has a field the API does not know",
                          fmt::format("unknown field \"{}\"", name), std::string(name));
    }
  }
  return object;
}

// 1 to bytes_max bytes of hex.
std::optional<std::vector<std::uint8_t>> hex_bytes(const boost::json::value& value,
                                                   std::size_t bytes_max) {
  auto bytes = value.is_string() ? from_hex(value.get_string()) : std::nullopt;
  if (!bytes || bytes->empty() || bytes->size() > bytes_max) return std::nullopt;
  return bytes;
}

// A close's or close_day's seed or beacon (R8) and, for close_day, its date.
std::variant<JobRequest, Problem> read_close(const boost::json::object& object,
                                             std::string_view tranche_id, bool close_day) {
  CloseRequest close{std::string(tranche_id), std::nullopt, {}, {}};
  if (const auto* seed = object.if_contains("seed")) {
    auto bytes = hex_bytes(*seed, limits::seed_bytes_max);
    if (!bytes) {
      return field_problem("seed",
                           fmt::format("must be 1 to {} bytes of hex", limits::seed_bytes_max));
    }
    close.seed = std::move(*bytes);
  }
  if (const auto* beacon = object.if_contains("beacon")) {
    auto bytes = hex_bytes(*beacon, limits::lottery_beacon_bytes_max);
    if (!bytes) {
      return field_problem(
          "beacon", fmt::format("must be 1 to {} bytes of hex", limits::lottery_beacon_bytes_max));
    }
    // A seed of the operator's own is taken whole; a beacon is mixed into the committed one.
    if (!close.seed.empty())
      return field_problem("beacon", "give \"seed\" or \"beacon\", not both");
    close.beacon = std::move(*bytes);
  }
  if (close_day) {
    const auto* date = object.if_contains("date");
    close.day = date && date->is_string() ? parse_date(date->get_string()) : std::nullopt;
    if (!close.day) return field_problem("date", "must be a date YYYY-MM-DD");
  }
  return close;
}

std::variant<JobRequest, Problem> read_appeal(const boost::json::object& object,
                                              std::string_view tranche_id) {
  AppealRequest appeal{std::string(tranche_id), {}, std::nullopt, {}};
  const auto* id = object.if_contains("id");
  if (id == nullptr || !id->is_string()) return field_problem("id", "must be the application's id");
  appeal.application_id = std::string(id->get_string());
  if (const auto* amount = object.if_contains("amount_cents")) {
    if (!amount->is_int64())
      return field_problem("amount_cents", "must be an integer number of cents");
    appeal.amount_cents = amount->get_int64();
  }
  const auto* reference = object.if_contains("reference");
  if (reference == nullptr || !reference->is_string() ||
      reference->get_string().size() > limits::appeal_reference_bytes_max) {
    return field_problem("reference", fmt::format("must be a string of at most {} bytes",
                                                  limits::appeal_reference_bytes_max));
  }
  appeal.reference = std::string(reference->get_string());
  return appeal;
}

constexpr std::string_view close_fields[] = {"seed", "beacon"};
constexpr std::string_view close_day_fields[] = {"date", "seed", "beacon"};
constexpr std::string_view appeal_fields[] = {"id", "amount_cents", "reference"};

}  // namespace

std::variant<JobRequest, Problem> read_operator_body(Endpoint endpoint, std::string_view tranche_id,
                                                     std::string_view body) {
  LOKET_ASSERT(endpoint == Endpoint::close || endpoint == Endpoint::close_day ||
               endpoint == Endpoint::appeal);
  std::span<const std::string_view> known = appeal_fields;
  if (endpoint == Endpoint::close) known = close_fields;
  if (endpoint == Endpoint::close_day) known = close_day_fields;
  auto object = read_object(body, known);
  if (auto* problem = std::get_if<Problem>(&object)) return std::move(*problem);
  const auto& members = std::get<boost::json::object>(object);
  if (endpoint == Endpoint::appeal) return read_appeal(members, tranche_id);
  return read_close(members, tranche_id, endpoint == Endpoint::close_day);
}

}  // namespace loket
