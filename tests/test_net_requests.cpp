// The HTTP front end's pure parts: strict JSON, routes and roles, tokens, submission bodies,
// request framing.
#include <fmt/format.h>

#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "engine/crypto.hpp"
#include "engine/limits.hpp"
#include "net/http_framing.hpp"
#include "net/rate_limit.hpp"
#include "net/routes.hpp"
#include "net/submission_request.hpp"
#include "net/tokens.hpp"
#include "parse/strict_json.hpp"
#include "parse/token_toml.hpp"

using namespace loket;

TEST_CASE("Client JSON is parsed strictly") {
  CHECK(parse_strict_json(R"({"a":1,"b":{"c":2}})").ok());
  CHECK(parse_strict_json(R"({"a":1,"a":2})").status().message() == "key \"a\" appears twice");
  CHECK(parse_strict_json(R"({"a":{"b":1,"b":1}})").status().message() ==
        "key \"b\" appears twice");
  CHECK(parse_strict_json(R"({"a":{"b":1},"c":{"b":1}})").ok());  // same key, other objects
  CHECK(
      parse_strict_json("[[[[[[[[[[1]]]]]]]]]]").status().message().starts_with("not valid JSON"));
  CHECK(parse_strict_json("{\"a\":\"\xff\"}").status().message().starts_with("not valid JSON"));
  // A number an int64 or a double holds is taken, at the extremes too; one beyond is refused
  // (it would be journaled as infinity, which no JSON reader takes back).
  CHECK(parse_strict_json(R"({"a":-9223372036854775808,"b":18446744073709551615})").ok());
  CHECK(parse_strict_json(R"({"a":1.7976931348623157e308,"b":-1.7976931348623157e308})").ok());
  CHECK(parse_strict_json(R"({"a":4.9e-324,"b":1e-400})").ok());  // underflow is zero
  CHECK(parse_strict_json(R"({"monitoring":{"age":1e400}})").status().message() ==
        "the number 1e400 is beyond a double's range");
  CHECK(parse_strict_json(R"([-1.8e308])").status().message() ==
        "the number -1.8e308 is beyond a double's range");
  CHECK(parse_strict_json("{").status().message().starts_with("not valid JSON"));
  CHECK(parse_strict_json("").status().message().starts_with("not valid JSON"));
}

TEST_CASE("Routes map method and path to an endpoint, or to 404 and 405") {
  const auto match = [](std::string_view method, std::string_view target) {
    return std::get<RouteMatch>(match_route(method, target));
  };
  const auto status = [](std::string_view method, std::string_view target) {
    return std::get<Problem>(match_route(method, target)).status;
  };
  CHECK(match("POST", "/v1/tranches/t2/submissions").endpoint == Endpoint::submit);
  CHECK(match("POST", "/v1/tranches/t2/submissions").tranche_id == "t2");
  CHECK(match("GET", "/v1/submissions/APP-1").application_id == "APP-1");
  CHECK(match("GET", "/v1/tranches/t2").endpoint == Endpoint::get_tranche);
  CHECK(match("POST", "/v1/tranches/t2/close").endpoint == Endpoint::close);
  CHECK(match("POST", "/v1/tranches/t2/close-day").endpoint == Endpoint::close_day);
  CHECK(match("POST", "/v1/tranches/t2/appeals").endpoint == Endpoint::appeal);
  CHECK(match("GET", "/metrics").endpoint == Endpoint::metrics);
  CHECK(match("GET", "/healthz").endpoint == Endpoint::healthz);
  CHECK(match("GET", "/readyz").endpoint == Endpoint::readyz);
  CHECK(match("GET", "/v1/cluster").endpoint == Endpoint::cluster);
  CHECK(status("POST", "/v1/cluster") == 405);
  CHECK(status("GET", "/v1/cluster/") == 404);
  CHECK(status("GET", "/v1/clusters") == 404);
  CHECK(match("GET", "/v1/checkpoint").endpoint == Endpoint::checkpoint);
  CHECK(match("GET", "/v1/proofs/consistency?from=1&to=18446744073709551615").to_size ==
        UINT64_MAX);
  CHECK(match("GET", "/v1/proofs/consistency?from=40&to=50").from_size == 40);
  CHECK(status("GET", "/v1/proofs/consistency?from=1&to=18446744073709551616") == 400);
  CHECK(status("GET", "/v1/proofs/consistency?from=01&to=5") == 400);
  CHECK(status("GET", "/v1/proofs/consistency?from=-1&to=5") == 400);
  CHECK(status("GET", "/v1/proofs/consistency?to=5&from=1") == 400);
  CHECK(status("GET", "/v1/proofs/consistency?from=1&to=5&x=1") == 400);
  CHECK(status("GET", "/v1/proofs/consistency") == 400);
  CHECK(status("POST", "/v1/proofs/consistency?from=1&to=5") == 405);
  CHECK(status("GET", "/v1/proofs/consistencyx?from=1&to=5") == 404);
  CHECK(status("POST", "/v1/checkpoint") == 405);
  CHECK(status("GET", "/v1/checkpoint/1") == 404);
  CHECK(match("GET", "/v1/submissions/APP-1/proof").endpoint == Endpoint::get_proof);
  CHECK(match("GET", "/v1/submissions/APP-1/proof").application_id == "APP-1");
  CHECK(status("POST", "/v1/submissions/APP-1/proof") == 405);
  CHECK(status("GET", "/v1/submissions/APP-1/proofs") == 404);
  CHECK(status("GET", "/v1/submissions/APP-1/proof/") == 404);
  CHECK(status("GET", "/v1/submissions/" + std::string(65, 'a') + "/proof") == 404);
  CHECK(match("GET", "/v1/export/events.csv").export_kind == ExportKind::events_csv);
  CHECK(match("GET", "/v1/export/decisions.jsonl").export_kind == ExportKind::decisions_jsonl);
  CHECK(status("GET", "/v1/export/decisions.xml") == 404);
  CHECK(status("GET", "/v1/export/decisions") == 404);
  CHECK(status("POST", "/v1/export/events.jsonl") == 405);
  CHECK(status("GET", "/v1/tranches/t2/submissions") == 405);
  CHECK(status("DELETE", "/v1/tranches/t2") == 405);
  CHECK(status("GET", "/v1/tranches/t2/") == 404);
  CHECK(status("GET", "/v1/tranches/t%32") == 404);
  CHECK(status("GET", "/v1/tranches/t2?x=1") == 404);
  CHECK(status("GET", "/v2/tranches/t2") == 404);
  CHECK(status("GET", "//healthz") == 404);
  CHECK(status("GET", "") == 404);
  // A 405 names the method the path serves (the Allow header).
  CHECK(std::get<Problem>(match_route("GET", "/v1/tranches/t2/submissions")).allow == "POST");
  CHECK(std::get<Problem>(match_route("POST", "/metrics")).allow == "GET, HEAD");
  CHECK(std::get<Problem>(match_route("DELETE", "/v1/export/events.csv")).allow == "GET");
  CHECK(std::get<Problem>(match_route("get", "/healthz")).allow == "GET, HEAD");  // exact case
  // HEAD beside GET, but not on a stream.
  CHECK(std::get<RouteMatch>(match_route("HEAD", "/healthz")).endpoint == Endpoint::healthz);
  CHECK(std::get<Problem>(match_route("HEAD", "/v1/ops/stream")).allow == "GET");
  CHECK(std::get<Problem>(match_route("HEAD", "/v1/tranches/t2/submissions")).allow == "POST");
}

TEST_CASE("Routes: a CSV export takes a dialect and its query nothing else") {
  const auto matched = [](std::string_view method, std::string_view target) {
    return match_route(method, target);
  };
  const auto dialect_of = [&](std::string_view target) {
    const auto route = std::get<RouteMatch>(matched("GET", target));
    CHECK(route.endpoint == Endpoint::export_records);
    return route.csv_dialect;
  };
  CHECK(dialect_of("/v1/export/events.csv") == rfc4180_dialect);
  CHECK(dialect_of("/v1/export/events.csv?dialect=excel-nl") == excel_nl_dialect);
  CHECK(dialect_of("/v1/export/decisions.csv?dialect=excel-nl") == excel_nl_dialect);
  CHECK(dialect_of("/v1/export/decisions.csv?dialect=rfc4180") == rfc4180_dialect);
  CHECK(std::get<RouteMatch>(matched("GET", "/v1/export/decisions.csv?dialect=excel-nl"))
            .export_kind == ExportKind::decisions_csv);
  // An unknown dialect, one for JSON lines, or one given twice: 400 naming the parameter.
  for (const std::string_view target :
       {"/v1/export/events.csv?dialect=excel",
        "/v1/export/events.csv?dialect=", "/v1/export/events.csv?dialect=EXCEL-NL",
        "/v1/export/events.jsonl?dialect=excel-nl", "/v1/export/decisions.jsonl?dialect=rfc4180",
        "/v1/export/events.csv?dialect=excel-nl&dialect=excel-nl"}) {
    INFO(target);
    const Problem problem = std::get<Problem>(matched("GET", target));
    CHECK(problem.status == 400);
    CHECK(problem.type == "urn:loket:problem:invalid-dialect");
    CHECK(problem.field == "dialect");
  }
  // Any other query is, as it was before dialects, nothing served.
  for (const std::string_view target :
       {"/v1/export/events.csv?", "/v1/export/events.csv?format=csv",
        "/v1/export/events.csv?dialect=excel-nl&x=1", "/v1/export/events.csv?x=1&dialect=excel-nl",
        "/v1/export/events.csv?dialect=excel-nl&", "/v1/export/events.jsonl?x=1",
        "/v1/export/events.xml?dialect=excel-nl", "/v1/export/events.csv/x?dialect=excel-nl",
        "/v1/export/?dialect=excel-nl"}) {
    INFO(target);
    CHECK(std::get<Problem>(matched("GET", target)).status == 404);
  }
  // Another method is 405 whatever the dialect, as for any export.
  CHECK(std::get<Problem>(matched("POST", "/v1/export/events.csv?dialect=excel")).status == 405);
  CHECK(std::get<Problem>(matched("POST", "/v1/export/events.csv?dialect=excel-nl")).allow ==
        "GET");
}

TEST_CASE("Roles: the portal submits, the operator closes, everyone with a token reads") {
  for (const Role role : {Role::portal, Role::operator_role, Role::auditor}) {
    CHECK(role_may(role, Endpoint::checkpoint));  // made to be published
    CHECK(role_may(role, Endpoint::get_proof));
  }
  CHECK(needs_token(Endpoint::checkpoint));
  CHECK(role_may(Role::portal, Endpoint::submit));
  CHECK_FALSE(role_may(Role::operator_role, Endpoint::submit));
  CHECK_FALSE(role_may(Role::auditor, Endpoint::submit));
  CHECK(role_may(Role::operator_role, Endpoint::close));
  CHECK(role_may(Role::operator_role, Endpoint::appeal));
  CHECK_FALSE(role_may(Role::portal, Endpoint::close_day));
  CHECK(role_may(Role::auditor, Endpoint::get_submission));
  CHECK(role_may(Role::auditor, Endpoint::metrics));
  CHECK(role_may(Role::auditor, Endpoint::export_records));
  CHECK_FALSE(role_may(Role::portal, Endpoint::export_records));
  CHECK_FALSE(role_may(Role::operator_role, Endpoint::export_records));
  CHECK_FALSE(role_may(Role::portal, Endpoint::metrics));
  CHECK(role_may(Role::operator_role, Endpoint::cluster));
  CHECK(role_may(Role::auditor, Endpoint::cluster));
  CHECK_FALSE(role_may(Role::portal, Endpoint::cluster));
  CHECK(needs_token(Endpoint::cluster));
  CHECK_FALSE(needs_token(Endpoint::healthz));
  CHECK(needs_token(Endpoint::get_tranche));
}

TEST_CASE("A token file holds hashes, a presented token is found by its hash") {
  const std::string portal_hash =
      to_hex(sha256(std::vector<std::uint8_t>{'s', 'e', 'c', 'r', 'e', 't'}));
  const Result<TokenFile> good = parse_token_file(
      "development = true\n[[token]]\nname = \"portal\"\nrole = \"portal\"\nsha256 = \"" +
          portal_hash + "\"\n",
      "tokens.toml");
  REQUIRE(good.ok());
  CHECK(good->development);
  const TokenEntry* found = find_token(*good, "secret");
  REQUIRE(found != nullptr);
  CHECK(found->name == "portal");
  CHECK(find_token(*good, "Secret") == nullptr);
  CHECK(find_token(*good, "") == nullptr);
  CHECK(parse_token_file("[[token]]\nname = \"x\"\nrole = \"admin\"\nsha256 = \"00\"\n", "t.toml")
            .status()
            .message() ==
        "t.toml:1: token[1].role: must be \"portal\", \"operator\" or \"auditor\"");
  CHECK(parse_token_file("[[token]]\nname = \"x\"\nrole = \"portal\"\nsha256 = \"00\"\n", "t.toml")
            .status()
            .message() ==
        "t.toml:1: token[1].sha256: must be the token's SHA-256 as 64 hex digits");
  CHECK(
      parse_token_file("[[token]]\nname = \"x\"\nrole = \"portal\"\ntoken = \"plain\"\n", "t.toml")
          .status()
          .message() == "t.toml:4: token[1].token: unknown key");
  CHECK(parse_token_file("development = 1\n", "t.toml").status().message() ==
        "t.toml:1: development: must be true or false");
}

TEST_CASE("A token file with a name or a hash twice is refused, naming the entry and field") {
  const auto entry = [](std::string_view name, char hash_digit) {
    return fmt::format("[[token]]\nname = \"{}\"\nrole = \"portal\"\nsha256 = \"{}\"\n", name,
                       std::string(64, hash_digit));
  };
  CHECK(parse_token_file(entry("a", '1') + entry("b", '2') + entry("c", '3'), "t.toml").ok());
  CHECK(parse_token_file(entry("a", '1') + entry("b", '2') + entry("a", '3'), "t.toml")
            .status()
            .message() ==
        "t.toml:10: token[3].name: \"a\" is already the name of token[1]; names must differ");
  CHECK(parse_token_file(entry("a", '1') + entry("b", '1'), "t.toml").status().message() ==
        "t.toml:8: token[2].sha256: the same hash as token[1]; each token needs its own");
  // Hex digits in another case are the same hash.
  CHECK(parse_token_file(entry("a", 'a') + entry("b", 'A'), "t.toml").status().message() ==
        "t.toml:8: token[2].sha256: the same hash as token[1]; each token needs its own");
}

TEST_CASE("The Bearer scheme is matched in any letter case") {
  CHECK(bearer_token("Bearer abc") == "abc");
  CHECK(bearer_token("bearer abc") == "abc");
  CHECK(bearer_token("BEARER  abc") == "abc");
  CHECK(bearer_token("Basic abc") == std::nullopt);
  CHECK(bearer_token("Bearerabc") == std::nullopt);
  CHECK(bearer_token("Bearer ") == std::nullopt);
  CHECK(bearer_token("Bearer") == std::nullopt);
  CHECK(bearer_token("") == std::nullopt);
}

TEST_CASE("Media types: application/json in any letter case, with a utf-8 charset or none") {
  CHECK(is_json_media_type("application/json"));
  CHECK(is_json_media_type("Application/JSON"));
  CHECK(is_json_media_type("application/json; charset=utf-8"));
  CHECK(is_json_media_type("application/json;charset=\"UTF-8\""));
  CHECK(is_json_media_type("application/json ; foo=bar"));
  CHECK_FALSE(is_json_media_type("application/json; charset=latin1"));
  CHECK_FALSE(is_json_media_type("application/jsonp"));
  CHECK_FALSE(is_json_media_type("application/json-patch+json"));
  CHECK_FALSE(is_json_media_type("text/plain"));
  CHECK_FALSE(is_json_media_type(""));
}

TEST_CASE("Framing: Transfer-Encoding only as a single chunked, never beside Content-Length") {
  namespace http = boost::beast::http;
  const auto header = [](unsigned version,
                         std::vector<std::pair<http::field, std::string>> fields) {
    RequestHeader result;
    result.version(version);
    result.method(http::verb::post);
    for (const auto& [field, value] : fields) result.insert(field, value);
    return result;
  };
  const auto problem = [&](std::vector<std::pair<http::field, std::string>> fields,
                           unsigned version = 11) {
    const auto found = framing_problem(header(version, std::move(fields)));
    return found ? fmt::format("{} {}", found->status, found->field) : std::string("none");
  };
  using enum http::field;
  CHECK(problem({}) == "none");
  CHECK(problem({{content_length, "5"}}) == "none");
  CHECK(problem({{transfer_encoding, "chunked"}}) == "none");
  CHECK(problem({{transfer_encoding, "Chunked"}}) == "none");
  for (const std::string coding : {"chunked, identity", "identity", "gzip", "xchunked",
                                   "chunked, chunked", "gzip, chunked", "chunked;q=1", ""}) {
    INFO(coding);
    CHECK(problem({{transfer_encoding, coding}}) == "400 Transfer-Encoding");
  }
  CHECK(problem({{transfer_encoding, "gzip"}, {transfer_encoding, "chunked"}}) ==
        "400 Transfer-Encoding");
  CHECK(problem({{transfer_encoding, "chunked"}, {content_length, "0"}}) ==
        "400 Transfer-Encoding");
  CHECK(problem({{transfer_encoding, "chunked"}}, 10) == "400 Transfer-Encoding");
  CHECK(problem({{content_length, "5"}}, 10) == "none");
  CHECK(problem({{expect, "100-continue"}}) == "none");
  CHECK(problem({{expect, "100-Continue"}}) == "none");
  CHECK(problem({{expect, "200-ok"}}) == "417 Expect");
  CHECK(expects_continue(header(11, {{expect, "100-continue"}})));
  CHECK_FALSE(expects_continue(header(10, {{expect, "100-continue"}})));  // RFC 9110: ignored
  CHECK_FALSE(expects_continue(header(11, {})));
}

TEST_CASE("Obsolete line folding is found in the raw header block") {
  CHECK_FALSE(has_obsolete_line_folding("POST / HTTP/1.1\r\nHost: x\r\nA: b\r\n"));
  CHECK(has_obsolete_line_folding("POST / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n"));
  CHECK(has_obsolete_line_folding("POST / HTTP/1.1\r\nA: b\r\n\tc\r\nHost: x\r\n"));
  CHECK(has_obsolete_line_folding("POST / HTTP/1.1\r\n Host: x\r\n"));  // after the request line
  CHECK_FALSE(has_obsolete_line_folding("POST / HTTP/1.1\r\nA: b c\td\r\n"));
  CHECK_FALSE(has_obsolete_line_folding(""));
}

TEST_CASE("A token's request rate comes from its role unless the file gives one") {
  const std::string hash(64, 'a');
  const auto parsed = [&](std::string_view role, std::string_view extra) {
    return parse_token_file(fmt::format("[[token]]\nname = \"x\"\nrole = \"{}\"\nsha256 = "
                                        "\"{}\"\n{}",
                                        role, hash, extra),
                            "t.toml");
  };
  const Result<TokenFile> operator_default = parsed("operator", "");
  REQUIRE(operator_default.ok());
  CHECK(operator_default->tokens[0].requests_per_second ==
        default_rate(Role::operator_role).requests_per_second);
  CHECK(default_rate(Role::portal).requests_per_second >
        default_rate(Role::operator_role).requests_per_second);
  const Result<TokenFile> given = parsed("portal", "requests_per_second = 7\nburst = 3\n");
  REQUIRE(given.ok());
  CHECK(given->tokens[0].requests_per_second == 7);
  CHECK(given->tokens[0].burst == 3);
  CHECK(parsed("portal", "burst = 0\n").status().message() ==
        "t.toml:5: token[1].burst: must be a whole number from 1 to 1000000");
  CHECK(parsed("portal", "requests_per_second = 1.5\n").status().message() ==
        "t.toml:5: token[1].requests_per_second: must be a whole number from 1 to 1000000");
}

TEST_CASE("Rate limiter: a burst goes through at once, then one request per interval") {
  constexpr std::int64_t second_ns = 1'000'000'000;
  RateLimiter limiter(4, 3);  // every 250 ms, 3 at once
  const std::int64_t start_ns = 10 * second_ns;
  for (int request = 0; request < 3; ++request) CHECK(limiter.admit(start_ns) == 0);
  CHECK(limiter.admit(start_ns) == second_ns / 4);  // refused: wait one interval
  CHECK(limiter.admit(start_ns) == second_ns / 4);  // a refusal charges nothing
  CHECK(limiter.admit(start_ns + second_ns / 4 - 1) == 1);
  CHECK(limiter.admit(start_ns + second_ns / 4) == 0);
  CHECK(limiter.admit(start_ns + second_ns / 4) > 0);
  // After a long pause the whole burst is there again, and no more.
  const std::int64_t later_ns = start_ns + 60 * second_ns;
  for (int request = 0; request < 3; ++request) CHECK(limiter.admit(later_ns) == 0);
  CHECK(limiter.admit(later_ns) > 0);
}

TEST_CASE("Rate limiter: threads racing at one instant get exactly the burst between them") {
  for (std::uint32_t burst : {1u, 7u, 500u}) {
    RateLimiter limiter(1, burst);
    std::atomic<std::uint32_t> admitted{0};
    std::vector<std::thread> threads;
    for (int thread = 0; thread < 4; ++thread) {
      threads.emplace_back([&] {
        for (int request = 0; request < 1000; ++request) {
          if (limiter.admit(1'000'000) == 0) admitted.fetch_add(1);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    CHECK(admitted.load() == burst);
  }
}

TEST_CASE("Submission bodies: problems for bad JSON and unknown fields, marks for bad values") {
  const std::vector<std::uint8_t> key = {'k'};
  const auto problem = [&](std::string_view body) {
    return std::get<Problem>(parse_submission_body("t2", body, key, "GEN-1"));
  };
  CHECK(problem("not json").type == "urn:loket:problem:invalid-json");
  CHECK(problem("[]").detail == "the body must be a JSON object");
  CHECK(problem(R"({"participant":"a","participant":"b"})").detail ==
        "key \"participant\" appears twice");
  CHECK(problem(R"({"participant":"a","amount":5})").field == "amount");
  CHECK(problem(R"({"participant":"a","monitoring":[1]})").field == "monitoring");

  auto parsed =
      parse_submission_body("t2", R"({"participant":"a","amount_cents":"5"})", key, "GEN-1");
  REQUIRE(std::holds_alternative<SubmissionRequest>(parsed));
  // Moved, as a server moves it: the command built afterwards still sees the right strings.
  const SubmissionRequest request = std::move(std::get<SubmissionRequest>(parsed));
  const SubmitCommand command = request.command();
  CHECK(command.tranche_id == "t2");
  CHECK(command.application_id == "GEN-1");
  CHECK(command.malformed_fields == field_bit(Field::amount_cents));
  CHECK(command.participant == participant_key(key, "a"));

  auto with_id = parse_submission_body(
      "t2", R"({"id":"APP-7","participant":"a","monitoring":{"age":"25-34"}})", key, "GEN-2");
  const auto& explicit_id = std::get<SubmissionRequest>(with_id);
  CHECK(explicit_id.command().application_id == "APP-7");
  CHECK(explicit_id.monitoring_json == R"({"age":"25-34"})");
}

TEST_CASE("Submission bodies: numbers beyond the API's range and reserved ids are refused") {
  const std::vector<std::uint8_t> key = {'k'};
  const auto answer = [&](std::string_view fields) {
    return parse_submission_body("t2", fmt::format(R"({{"participant":"a",{}}})", fields), key,
                                 "loket.1-1");
  };
  const auto refused_field = [&](std::string_view fields) -> std::string {
    const auto parsed = answer(fields);
    const auto* problem = std::get_if<Problem>(&parsed);
    if (problem == nullptr) return "(accepted)";
    CHECK(problem->status == 400);
    return problem->field;
  };
  const std::int64_t max = limits::amount_cents_max;
  for (const std::string_view name : {"amount_cents", "declared_value_cents"}) {
    INFO(name);
    // Within the range the engine decides (a non-positive amount is journaled as invalid).
    for (const std::int64_t cents : {-max, std::int64_t{-1}, std::int64_t{0}, max}) {
      CHECK(refused_field(fmt::format(R"("{}":{})", name, cents)) == "(accepted)");
    }
    for (const std::int64_t cents : {INT64_MIN, INT64_MIN + 1, -max - 1, max + 1, INT64_MAX}) {
      CHECK(refused_field(fmt::format(R"("{}":{})", name, cents)) == name);
    }
  }
  // Activity counts out of range are marked malformed (journaled as `invalid`, no number).
  const std::int64_t units_max = limits::activity_units_max;
  const auto activity_marks = [&](std::int64_t units) {
    return std::get<SubmissionRequest>(answer(fmt::format(R"("activities":{{"A":{}}})", units)))
        .command()
        .malformed_fields;
  };
  CHECK(activity_marks(units_max) == 0);
  CHECK(activity_marks(units_max + 1) == field_bit(Field::activities));
  CHECK(activity_marks(INT64_MIN) == field_bit(Field::activities));
  // The generated ids' namespace: a client may not take the id the server gives next.
  CHECK(refused_field(R"("id":"loket.18c2f3-2")") == "id");
  CHECK(refused_field(R"("id":"loket.")") == "id");
  CHECK(refused_field(R"("id":"loket-1")") == "(accepted)");
  CHECK(refused_field(R"("id":"Loket.1")") == "(accepted)");
  // Without an id the generated one is used, and it is in that namespace.
  const auto generated = answer(R"("monitoring":{})");
  CHECK(std::get<SubmissionRequest>(generated).command().application_id == "loket.1-1");
}
