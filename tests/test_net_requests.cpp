// The HTTP front end's pure parts: strict JSON, routes and roles, tokens, submission bodies.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "engine/crypto.hpp"
#include "engine/strict_json.hpp"
#include "net/routes.hpp"
#include "net/submission_request.hpp"
#include "net/tokens.hpp"

using namespace loket;

TEST_CASE("Client JSON is parsed strictly") {
  CHECK(parse_strict_json(R"({"a":1,"b":{"c":2}})").value);
  CHECK(parse_strict_json(R"({"a":1,"a":2})").error == "key \"a\" appears twice");
  CHECK(parse_strict_json(R"({"a":{"b":1,"b":1}})").error == "key \"b\" appears twice");
  CHECK(parse_strict_json(R"({"a":{"b":1},"c":{"b":1}})").value);  // same key, other objects
  CHECK(parse_strict_json("[[[[[[[[[[1]]]]]]]]]]").error.starts_with("not valid JSON"));
  CHECK(parse_strict_json("{\"a\":\"\xff\"}").error.starts_with("not valid JSON"));
  CHECK(parse_strict_json("{").error.starts_with("not valid JSON"));
  CHECK(parse_strict_json("").error.starts_with("not valid JSON"));
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
  CHECK(status("GET", "/v1/tranches/t2/submissions") == 405);
  CHECK(status("DELETE", "/v1/tranches/t2") == 405);
  CHECK(status("GET", "/v1/tranches/t2/") == 404);
  CHECK(status("GET", "/v1/tranches/t%32") == 404);
  CHECK(status("GET", "/v1/tranches/t2?x=1") == 404);
  CHECK(status("GET", "/v2/tranches/t2") == 404);
  CHECK(status("GET", "//healthz") == 404);
  CHECK(status("GET", "") == 404);
}

TEST_CASE("Roles: the portal submits, the operator closes, everyone with a token reads") {
  CHECK(role_may(Role::portal, Endpoint::submit));
  CHECK_FALSE(role_may(Role::operator_role, Endpoint::submit));
  CHECK_FALSE(role_may(Role::auditor, Endpoint::submit));
  CHECK(role_may(Role::operator_role, Endpoint::close));
  CHECK(role_may(Role::operator_role, Endpoint::appeal));
  CHECK_FALSE(role_may(Role::portal, Endpoint::close_day));
  CHECK(role_may(Role::auditor, Endpoint::get_submission));
  CHECK(role_may(Role::auditor, Endpoint::metrics));
  CHECK_FALSE(role_may(Role::portal, Endpoint::metrics));
  CHECK_FALSE(needs_token(Endpoint::healthz));
  CHECK(needs_token(Endpoint::get_tranche));
}

TEST_CASE("A token file holds hashes; a presented token is found by its hash") {
  const std::string portal_hash =
      to_hex(sha256(std::vector<std::uint8_t>{'s', 'e', 'c', 'r', 'e', 't'}));
  const TokenFileResult good = parse_token_file(
      "development = true\n[[token]]\nname = \"portal\"\nrole = \"portal\"\nsha256 = \"" +
          portal_hash + "\"\n",
      "tokens.toml");
  REQUIRE(good.tokens);
  CHECK(good.tokens->development);
  const TokenEntry* found = find_token(*good.tokens, "secret");
  REQUIRE(found != nullptr);
  CHECK(found->name == "portal");
  CHECK(find_token(*good.tokens, "Secret") == nullptr);
  CHECK(find_token(*good.tokens, "") == nullptr);
  CHECK(parse_token_file("[[token]]\nname = \"x\"\nrole = \"admin\"\nsha256 = \"00\"\n", "t.toml")
            .error == "t.toml:1: token[1].role: must be \"portal\", \"operator\" or \"auditor\"");
  CHECK(parse_token_file("[[token]]\nname = \"x\"\nrole = \"portal\"\nsha256 = \"00\"\n", "t.toml")
            .error == "t.toml:1: token[1].sha256: must be the token's SHA-256 as 64 hex digits");
  CHECK(
      parse_token_file("[[token]]\nname = \"x\"\nrole = \"portal\"\ntoken = \"plain\"\n", "t.toml")
          .error == "t.toml:4: token[1].token: unknown key");
  CHECK(parse_token_file("development = 1\n", "t.toml").error ==
        "t.toml:1: development: must be true or false");
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
