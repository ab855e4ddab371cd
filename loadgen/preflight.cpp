#include "loadgen/preflight.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "engine/civil_time.hpp"

namespace loket {
namespace {

namespace json = boost::json;

// A server that does not answer a small read within this is not fit to be rehearsed against.
constexpr std::chrono::seconds preflight_timeout{10};

std::string status_words(const Fetched& answer) {
  return fmt::format("{} {}", answer.status, answer.body.substr(0, 200));
}

// The tranche's window by the server's GET /v1/tranches/{id}: nothing when it is open now.
std::optional<std::string> window_problem(const Fetched& answer, const LoadtestOptions& options,
                                          TimestampNs now_ns) {
  boost::system::error_code error;
  const json::value parsed = json::parse(answer.body, error);
  const json::object* body = error ? nullptr : parsed.if_object();
  const json::value* closed = body ? body->if_contains("closed") : nullptr;
  const json::value* opens = body ? body->if_contains("opens_at") : nullptr;
  const json::value* closes = body ? body->if_contains("closes_at") : nullptr;
  if (!closed || !closed->is_bool() || !opens || !opens->is_string() || !closes ||
      !closes->is_string()) {
    return fmt::format("GET /v1/tranches/{} is not a loket tranche: {}", options.tranche,
                       answer.body.substr(0, 200));
  }
  if (closed->as_bool()) return fmt::format("tranche {} is closed", options.tranche);
  const auto opens_at = parse_rfc3339(opens->as_string());
  const auto closes_at = parse_rfc3339(closes->as_string());
  if (opens_at && now_ns < *opens_at) {
    return fmt::format("tranche {} opens at {}; nothing sent now would be granted", options.tranche,
                       opens->as_string().c_str());
  }
  if (closes_at && now_ns >= *closes_at) {
    return fmt::format("tranche {} closed at {}", options.tranche, closes->as_string().c_str());
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> preflight_problem(const HttpTarget& target,
                                             const LoadtestOptions& options, TimestampNs now_ns) {
  const Result<Fetched> tranche =
      fetch(target, "GET", "/v1/tranches/" + options.tranche, options.token, {}, preflight_timeout);
  if (!tranche.ok()) {
    return fmt::format("{} does not answer: {}", options.target, tranche.status().message());
  }
  if (tranche->status == 401 || tranche->status == 403) {
    return fmt::format("the server does not accept the portal token (--token): {}",
                       status_words(*tranche));
  }
  if (tranche->status == 404) {
    return fmt::format("the server has no tranche {} (--tranche)", options.tranche);
  }
  if (tranche->status != 200) {
    return fmt::format("GET /v1/tranches/{}: {}", options.tranche, status_words(*tranche));
  }
  if (auto problem = window_problem(*tranche, options, now_ns)) return problem;
  if (options.auditor_token.empty()) return std::nullopt;
  // /metrics is served to the auditor and the operator, and costs the server little.
  const Result<Fetched> metrics =
      fetch(target, "GET", "/metrics", options.auditor_token, {}, preflight_timeout);
  if (!metrics.ok() || metrics->status != 200) {
    return fmt::format(
        "the server does not accept the auditor token (--auditor-token), needed to check its "
        "record: {}",
        metrics.ok() ? status_words(*metrics) : metrics.status().message());
  }
  return std::nullopt;
}

}  // namespace loket
