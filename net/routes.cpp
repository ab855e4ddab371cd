#include "net/routes.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/container/static_vector.hpp>
#include <charconv>
#include <optional>
#include <tuple>

#include "engine/assert.hpp"
#include "engine/submission_checks.hpp"

namespace loket {
namespace {

// The most segments a served path has ("/v1/tranches/T/submissions"); a longer path is
// nothing served, so it is not split further.
constexpr std::size_t path_segments_max = 4;
using PathSegments = boost::container::static_vector<std::string_view, path_segments_max>;

// Splits "/a/b/c" into its segments; nothing for an empty segment, a query string or more
// segments than any route has. On every request, so it does not allocate.
std::optional<PathSegments> segments_of(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.find('?') != std::string_view::npos) {
    return std::nullopt;
  }
  PathSegments segments;
  path.remove_prefix(1);
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (segment.empty() || segments.size() == segments.capacity()) return std::nullopt;
    segments.push_back(segment);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) return std::nullopt;  // a trailing slash
  }
  return segments;
}

// "from=M&to=N" with decimal sizes: the consistency proof's only query.
std::optional<std::pair<std::uint64_t, std::uint64_t>> consistency_sizes(std::string_view query) {
  const auto number = [](std::string_view text) -> std::optional<std::uint64_t> {
    std::uint64_t value = 0;
    const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || parsed.ec != std::errc{} || parsed.ptr != text.data() + text.size() ||
        (text.size() > 1 && text.front() == '0')) {
      return std::nullopt;
    }
    return value;
  };
  constexpr std::string_view from_key = "from=";
  constexpr std::string_view to_key = "&to=";
  const std::size_t to = query.find(to_key);
  if (!query.starts_with(from_key) || to == std::string_view::npos) return std::nullopt;
  const auto from_size = number(query.substr(from_key.size(), to - from_key.size()));
  const auto to_size = number(query.substr(to + to_key.size()));
  if (!from_size || !to_size) return std::nullopt;
  return std::pair{*from_size, *to_size};
}

// Every path serves one method, and HEAD beside GET (RFC 9110 9.1); another is 405 naming
// what is served. The two streams have no HEAD: their headers are those of a stream begun.
std::variant<RouteMatch, Problem> allow_only(std::string_view served, std::string_view method,
                                             RouteMatch match) {
  const bool stream =
      match.endpoint == Endpoint::export_records || match.endpoint == Endpoint::ops_stream;
  const bool head_served = served == "GET" && !stream;
  if (method != served && !(head_served && method == "HEAD")) {
    Problem problem =
        make_problem(405, "method-not-allowed", "Method not allowed",
                     fmt::format("{} is not served at this path", method.substr(0, 16)));
    problem.allow = head_served ? "GET, HEAD" : served;
    return problem;
  }
  return match;
}

// GET /v1/proofs/consistency?from=M&to=N, the one path with a query; nothing for another path.
std::optional<std::variant<RouteMatch, Problem>> match_consistency(std::string_view method,
                                                                   std::string_view target) {
  constexpr std::string_view path = "/v1/proofs/consistency";
  if (!target.starts_with(path) || (target.size() > path.size() && target[path.size()] != '?')) {
    return std::nullopt;
  }
  const auto sizes = target.size() > path.size() ? consistency_sizes(target.substr(path.size() + 1))
                                                 : std::nullopt;
  if (!sizes && (method == "GET" || method == "HEAD")) {
    return make_problem(400, "invalid-query", "The query must be from=M&to=N",
                        "two tree sizes in decimal, 1 <= M <= N", "query");
  }
  RouteMatch match{Endpoint::consistency, {}, {}};
  if (sizes) std::tie(match.from_size, match.to_size) = *sizes;
  return allow_only("GET", method, std::move(match));
}

Problem not_found(std::string_view target) {
  return make_problem(404, "not-found", "No such resource",
                      fmt::format("nothing is served at {}", target.substr(0, 200)));
}

Problem invalid_dialect(std::string detail) {
  return make_problem(400, "invalid-dialect", "The dialect must be rfc4180 or excel-nl, for CSV",
                      std::move(detail), "dialect");
}

// The export's query (after a `?`): `dialect=rfc4180|excel-nl`, for CSV. Any other key is, as
// before there were dialects, a resource not served (a 404), so that a misspelt key is never
// silently ignored.
std::variant<CsvDialect, Problem> export_dialect(ExportKind kind, std::string_view query,
                                                 std::string_view target) {
  constexpr std::string_view dialect_key = "dialect=";
  std::optional<std::string_view> value;
  for (std::size_t start = 0;;) {
    const std::size_t end = query.find('&', start);  // npos for the last parameter
    const std::string_view parameter = query.substr(start, end - start);
    if (!parameter.starts_with(dialect_key)) return not_found(target);
    if (value) return invalid_dialect("give dialect once");
    value = parameter.substr(dialect_key.size());
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  LOKET_ASSERT(value);
  const std::optional<CsvDialect> dialect = csv_dialect_named(*value);
  if (!dialect) return invalid_dialect(fmt::format("'{}' is no dialect", value->substr(0, 32)));
  if (!is_csv(kind)) return invalid_dialect("JSON lines have no dialect: ask for .csv");
  return *dialect;
}

// GET /v1/export/{events|decisions}.{jsonl|csv}[?dialect=...]; nothing for another path.
std::optional<std::variant<RouteMatch, Problem>> match_export(std::string_view method,
                                                              std::string_view target) {
  constexpr std::string_view path = "/v1/export/";
  if (!target.starts_with(path)) return std::nullopt;
  const std::size_t question = target.find('?');
  const std::string_view name = target.substr(path.size(), question - path.size());
  const std::size_t dot = name.find('.');
  const auto kind = dot == std::string_view::npos || name.find('/') != std::string_view::npos
                        ? std::nullopt
                        : export_kind(name.substr(0, dot), name.substr(dot + 1));
  if (!kind) return not_found(target);
  RouteMatch match{Endpoint::export_records, {}, {}};
  match.export_kind = *kind;
  if (question != std::string_view::npos) {
    auto dialect = export_dialect(*kind, target.substr(question + 1), target);
    if (auto* problem = std::get_if<Problem>(&dialect)) {
      if (problem->status == 404 || method == "GET") return std::move(*problem);
    } else {
      match.csv_dialect = std::get<CsvDialect>(dialect);
    }
  }
  return allow_only("GET", method, std::move(match));
}

}  // namespace

std::variant<RouteMatch, Problem> match_route(std::string_view method, std::string_view target) {
  if (auto consistency = match_consistency(method, target)) return std::move(*consistency);
  if (auto exported = match_export(method, target)) return std::move(*exported);
  const auto segments = segments_of(target);
  if (!segments) return not_found(target);
  const auto& parts = *segments;
  constexpr std::string_view get = "GET";
  constexpr std::string_view post = "POST";
  const auto allow = [&](std::string_view served, RouteMatch match) {
    return allow_only(served, method, std::move(match));
  };
  if (parts.size() == 1 && parts[0] == "metrics") return allow(get, {Endpoint::metrics, {}, {}});
  if (parts.size() == 1 && parts[0] == "healthz") return allow(get, {Endpoint::healthz, {}, {}});
  if (parts.size() == 1 && parts[0] == "readyz") return allow(get, {Endpoint::readyz, {}, {}});
  if (parts.size() == 1 && parts[0] == "ops") return allow(get, {Endpoint::ops_page, {}, {}});
  if (parts.size() == 3 && parts[0] == "v1" && parts[1] == "ops" && parts[2] == "stream") {
    return allow(get, {Endpoint::ops_stream, {}, {}});
  }
  if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "cluster") {
    return allow(get, {Endpoint::cluster, {}, {}});
  }
  if (parts.size() == 2 && parts[0] == "v1" && parts[1] == "checkpoint") {
    return allow(get, {Endpoint::checkpoint, {}, {}});
  }
  if (parts.size() < 3 || parts[0] != "v1") return not_found(target);
  // Path parameters use the same characters as ids, so nothing needs decoding.
  if (!is_valid_application_id(parts[2])) return not_found(target);
  const std::string name(parts[2]);
  if (parts[1] == "submissions" && parts.size() == 3) {
    return allow(get, {Endpoint::get_submission, {}, name});
  }
  if (parts[1] == "submissions" && parts.size() == 4 && parts[3] == "proof") {
    return allow(get, {Endpoint::get_proof, {}, name});
  }
  if (parts[1] != "tranches") return not_found(target);
  if (parts.size() == 3) return allow(get, {Endpoint::get_tranche, name, {}});
  if (parts.size() != 4) return not_found(target);
  if (parts[3] == "submissions") return allow(post, {Endpoint::submit, name, {}});
  if (parts[3] == "close") return allow(post, {Endpoint::close, name, {}});
  if (parts[3] == "close-day") return allow(post, {Endpoint::close_day, name, {}});
  if (parts[3] == "appeals") return allow(post, {Endpoint::appeal, name, {}});
  return not_found(target);
}

// The dashboard's page holds no figures (its stream does), so it is served to anyone.
bool needs_token(Endpoint endpoint) {
  return endpoint != Endpoint::healthz && endpoint != Endpoint::readyz &&
         endpoint != Endpoint::ops_page;
}

bool role_may(Role role, Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::submit:
      return role == Role::portal;
    case Endpoint::get_submission:
    case Endpoint::get_tranche:
    case Endpoint::checkpoint:  // public by nature: it is made to be published
    case Endpoint::get_proof:   // as public as the decision it proves
    case Endpoint::consistency:
      return true;
    case Endpoint::close:
    case Endpoint::close_day:
    case Endpoint::appeal:
      return role == Role::operator_role;
    case Endpoint::metrics:
    case Endpoint::cluster:
    case Endpoint::ops_stream:
      return role == Role::operator_role || role == Role::auditor;
    case Endpoint::export_records:
      return role == Role::auditor;
    case Endpoint::healthz:
    case Endpoint::readyz:
    case Endpoint::ops_page:
      return true;
  }
  return false;
}

}  // namespace loket
