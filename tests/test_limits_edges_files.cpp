// Every limit at its edge, continued: HTTP submission and operator bodies, scheme files,
// token files and serve configs, at limit - 1, limit and limit + 1 and at the extremes.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "app/serve_config.hpp"
#include "engine/crypto.hpp"
#include "engine/limits.hpp"
#include "net/limits.hpp"
#include "net/operator_request.hpp"
#include "net/submission_request.hpp"
#include "net/tokens.hpp"
#include "parse/scheme_toml.hpp"
#include "parse/token_toml.hpp"

using namespace loket;

namespace {

constexpr std::string_view four_bytes = "\xF0\x9F\x98\x80";  // U+1F600 in UTF-8
const std::string int64_min = std::to_string(INT64_MIN);
const std::string int64_max = std::to_string(INT64_MAX);
constexpr std::string_view beyond_int64 = "9223372036854775808";

std::string repeated(std::string_view unit, std::size_t count) {
  std::string text;
  for (std::size_t index = 0; index < count; ++index) text += unit;
  return text;
}

// "" when accepted, otherwise the problem's field and detail.
std::string operator_answer(Endpoint endpoint, std::string_view body) {
  const auto parsed = read_operator_body(endpoint, "t", body);
  const auto* problem = std::get_if<Problem>(&parsed);
  return problem ? fmt::format("{} {}: {}", problem->status, problem->field, problem->detail) : "";
}

const SubmissionRequest& accepted(const std::variant<SubmissionRequest, Problem>& parsed) {
  if (const auto* problem = std::get_if<Problem>(&parsed)) FAIL(problem->detail);
  return std::get<SubmissionRequest>(parsed);
}

}  // namespace

TEST_CASE("Edges: a submission body's fields") {
  const std::vector<std::uint8_t> key = {'k'};
  const auto parse = [&](std::string_view body) {
    return parse_submission_body("m", body, key, "GEN-1");
  };
  const auto malformed = [&](std::string_view body) {
    return accepted(parse(body)).fields.malformed_fields;
  };
  // The parser keeps ids up to the limit as given, and the allocator judges them
  // (tests/test_limits_edges.cpp); a longer id is malformed and its text is not kept.
  for (const std::size_t length : {std::size_t{0}, std::size_t{63}, std::size_t{64}}) {
    const std::string id(length, 'i');
    CHECK(accepted(parse(fmt::format(R"({{"id":"{}"}})", id))).command().application_id == id);
  }
  for (const std::size_t length : {std::size_t{65}, net_limits::body_bytes_max / 2}) {
    const std::string body = fmt::format(R"({{"id":"{}"}})", std::string(length, 'i'));
    CHECK(accepted(parse(body)).command().application_id.empty());
    CHECK(malformed(body) == field_bit(Field::id));
  }
  CHECK(accepted(parse("{}")).command().application_id == "GEN-1");
  CHECK(malformed(R"({"id":false})") == field_bit(Field::id));

  const std::size_t most = limits::participant_bytes_max;
  CHECK(malformed(fmt::format(R"({{"participant":"{}"}})", std::string(most, 'a'))) == 0);
  CHECK(malformed(fmt::format(R"({{"participant":"{}"}})", std::string(most + 1, 'a'))) ==
        field_bit(Field::participant));
  CHECK(malformed(fmt::format(R"({{"participant":"{}"}})", repeated(four_bytes, most / 4))) == 0);
  CHECK(malformed(fmt::format(R"({{"participant":"a{}"}})", repeated(four_bytes, most / 4))) ==
        field_bit(Field::participant));

  // Within +-amount_cents_max the rules decide (R3); beyond it the API refuses, unjournaled.
  const std::string cents_most = std::to_string(limits::amount_cents_max);
  for (const std::string& amount :
       {std::string("0"), std::string("-1"), cents_most, "-" + cents_most}) {
    INFO("amount_cents " << amount);
    const auto parsed = parse(R"({"amount_cents":)" + amount + "}");  // the request lives here
    const SubmissionRequest& request = accepted(parsed);
    CHECK(request.fields.malformed_fields == 0);
    CHECK(request.fields.amount_cents == std::stoll(amount));
  }
  for (const std::string& amount :
       {int64_min, int64_max, std::to_string(limits::amount_cents_max + 1)}) {
    INFO("amount_cents " << amount);
    const auto parsed = parse(R"({"amount_cents":)" + amount + "}");
    REQUIRE(std::holds_alternative<Problem>(parsed));
    CHECK(std::get<Problem>(parsed).field == "amount_cents");
    CHECK(std::get<Problem>(parsed).status == 400);
  }
  CHECK(malformed(fmt::format(R"({{"amount_cents":{}}})", beyond_int64)) ==
        field_bit(Field::amount_cents));
  CHECK(malformed(R"({"declared_value_cents":-9223372036854775809})") ==
        field_bit(Field::declared_value_cents));

  const auto monitoring = [](std::size_t serialized_bytes) {
    return R"({"monitoring":{"k":")" + std::string(serialized_bytes - 8, 'x') + "\"}}";
  };
  CHECK(accepted(parse(monitoring(limits::monitoring_bytes_max))).monitoring_json.size() ==
        limits::monitoring_bytes_max);
  CHECK(std::get<Problem>(parse(monitoring(limits::monitoring_bytes_max + 1))).field ==
        "monitoring");
  const auto nested = [](std::size_t depth) {  // inside the body's object, depth 1
    return repeated(R"({"a":)", depth) + "1" + std::string(depth, '}');
  };
  CHECK(std::holds_alternative<SubmissionRequest>(
      parse(R"({"monitoring":)" + nested(limits::json_depth_max - 1) + "}")));
  CHECK(std::get<Problem>(parse(R"({"monitoring":)" + nested(limits::json_depth_max) + "}"))
            .detail.starts_with("not valid JSON"));
  CHECK(std::get<Problem>(parse("{\"participant\":\"\xC3\x28\"}"))
            .detail.starts_with("not valid JSON"));
  CHECK(std::get<Problem>(parse("")).status == 400);
}

TEST_CASE("Edges: operator bodies (close, close-day, appeal)") {
  const std::string seed_problem = "400 seed: must be 1 to 64 bytes of hex";
  const std::string date_problem = "400 date: must be a date YYYY-MM-DD";
  const std::string reference_problem = "400 reference: must be a string of at most 256 bytes";
  const std::string amount_problem = "400 amount_cents: must be an integer number of cents";
  const auto appeal = [](std::string_view amount, std::string_view reference) {
    return fmt::format(R"({{"id":"A"{},"reference":"{}"}})", amount, reference);
  };
  const std::vector<std::tuple<Endpoint, std::string, std::string>> cases = {
      {Endpoint::close, "", ""},
      {Endpoint::close, "{}", ""},
      {Endpoint::close, R"({"seed":")" + repeated("a5", limits::seed_bytes_max) + "\"}", ""},
      {Endpoint::close, R"({"seed":")" + repeated("a5", limits::seed_bytes_max + 1) + "\"}",
       seed_problem},
      {Endpoint::close, R"({"seed":"a5"})", ""},
      {Endpoint::close, R"({"seed":""})", seed_problem},
      {Endpoint::close, R"({"seed":"a"})", seed_problem},
      {Endpoint::close, R"({"seed":7})", seed_problem},
      {Endpoint::close_day, R"({"date":"2021-03-02"})", ""},
      {Endpoint::close_day, R"({"date":"1899-12-31"})", date_problem},
      {Endpoint::close_day, R"({"date":"1900-01-01"})", ""},
      {Endpoint::close_day, R"({"date":"2200-12-31"})", ""},
      {Endpoint::close_day, R"({"date":"2201-01-01"})", date_problem},
      {Endpoint::close_day, R"({"date":"2020-02-29"})", ""},
      {Endpoint::close_day, R"({"date":"2021-02-29"})", date_problem},
      {Endpoint::close_day, R"({"date":"2021-3-2"})", date_problem},
      {Endpoint::close_day, "{}", date_problem},
      {Endpoint::appeal, appeal("", std::string(limits::appeal_reference_bytes_max, 'r')), ""},
      {Endpoint::appeal, appeal("", std::string(limits::appeal_reference_bytes_max + 1, 'r')),
       reference_problem},
      {Endpoint::appeal, appeal("", repeated(four_bytes, limits::appeal_reference_bytes_max / 4)),
       ""},
      {Endpoint::appeal,
       appeal("", "r" + repeated(four_bytes, limits::appeal_reference_bytes_max / 4)),
       reference_problem},
      {Endpoint::appeal, appeal(",\"amount_cents\":" + int64_min, "R"), ""},
      {Endpoint::appeal, appeal(",\"amount_cents\":" + int64_max, "R"), ""},
      {Endpoint::appeal, appeal(fmt::format(",\"amount_cents\":{}", beyond_int64), "R"),
       amount_problem},
      {Endpoint::appeal, appeal(",\"amount_cents\":1.5", "R"), amount_problem},
      {Endpoint::appeal, R"({"reference":"R"})", "400 id: must be the application's id"},
      {Endpoint::appeal, R"({"id":"A"})", reference_problem}};
  for (const auto& [endpoint, body, expected] : cases) {
    INFO(body.substr(0, 200));
    CHECK(operator_answer(endpoint, body) == expected);
  }
}

TEST_CASE("Edges: scheme files") {
  const auto scheme = [](std::string_view scheme_keys, std::string_view tranche_keys,
                         std::size_t tranches = 1) {
    std::string text = fmt::format(
        "[scheme]\nid = \"s\"\nname = \"S\"\nunique_participant = \"scheme\"\n{}\n", scheme_keys);
    for (std::size_t index = 0; index < tranches; ++index) {
      text += fmt::format(
          "[[tranche]]\nid = \"t{}\"\nopens_at = \"2021-03-01T08:00:00Z\"\n"
          "closes_at = \"2021-04-01T08:00:00Z\"\nranking = \"arrival\"\n{}\n",
          index, tranche_keys);
    }
    return parse_scheme(text, "s.toml");
  };
  const auto error = [&](std::string_view scheme_keys, std::string_view tranche_keys,
                         std::size_t tranches = 1) {
    const Result<Scheme> result = scheme(scheme_keys, tranche_keys, tranches);
    const std::string message = result.status().message();
    return result.ok() ? std::string() : message.substr(message.find(": ") + 2);
  };
  const auto places = [](std::string_view value) { return fmt::format("places = {}", value); };
  const auto money = [](std::string_view value) {
    return fmt::format("budget_cents = {}\nfit = \"partial\"\nspillover = \"none\"", value);
  };
  const std::string cents_max = std::to_string(limits::amount_cents_max);
  const std::string cents_over = std::to_string(limits::amount_cents_max + 1);
  const std::string places_error = "tranche[1].places: must be between 1 and 100000000, got ";
  const std::string budget_error = "tranche[1].budget_cents: must be between 1 and " + cents_max;
  CHECK(error("", places("0")) == places_error + "0");
  CHECK(error("", places("1")).empty());
  CHECK(error("", places(std::to_string(limits::places_max))).empty());
  CHECK(error("", places(std::to_string(limits::places_max + 1))) ==
        places_error + std::to_string(limits::places_max + 1));
  CHECK(error("", places(int64_min)) == places_error + int64_min);
  CHECK(error("", places(int64_max)) == places_error + int64_max);
  CHECK_FALSE(scheme("", places(beyond_int64)).ok());  // not even TOML's integer
  CHECK(error("", money("0")) == budget_error + ", got 0");
  CHECK(error("", money(cents_max)).empty());
  CHECK(error("", money(cents_over)) == budget_error + ", got " + cents_over);

  CHECK(error("", places("1"), limits::tranches_max).empty());
  CHECK(error("", places("1"), limits::tranches_max + 1) == "tranche: at most 64 tranches");
  const auto compartments = [&](std::size_t count, std::string_view min, std::string_view max) {
    std::string keys = money("1000");
    for (std::size_t index = 0; index < count; ++index) {
      keys += fmt::format(
          "\n[[tranche.compartment]]\nid = \"c{}\"\nshare_percent = {}\nmin_cents = {}\n"
          "max_cents = {}",
          index, index == 0 ? 100 - (count - 1) : 1,
          index == 0 ? std::string(min) : std::to_string(index + 1),
          index == 0 ? std::string(max) : std::to_string(index + 1));
    }
    return error("", keys);
  };
  CHECK(compartments(limits::compartments_per_tranche_max, "1", "1").empty());
  CHECK(compartments(limits::compartments_per_tranche_max + 1, "1", "1") ==
        "tranche[1].compartment: needs 1 to 8 compartments");
  CHECK(compartments(1, "1", cents_max).empty());
  CHECK(compartments(1, "0", "1") ==
        "tranche[1].compartment[1].min_cents: must be between 1 and " + cents_max + ", got 0");
  CHECK(compartments(1, "1", cents_over) ==
        "tranche[1].compartment[1].max_cents: must be "
        "between 1 and " +
            cents_max + ", got " + cents_over);

  CHECK(error("cofinancing_percent = -1", "") ==
        "scheme.cofinancing_percent: must be between 0 and 99, got -1");
  CHECK(error("cofinancing_percent = 0", places("1")).empty());
  CHECK(error("cofinancing_percent = 99", places("1")).empty());
  CHECK(error("cofinancing_percent = 100", "") ==
        "scheme.cofinancing_percent: must be between 0 and 99, got 100");
  const std::string price_error = "scheme.unit_subsidy_cents.A: must be between 1 and 100000000";
  CHECK(error("unit_subsidy_cents = { A = 0 }", "") == price_error + ", got 0");
  CHECK(error("unit_subsidy_cents = { A = 1 }", places("1")).empty());
  CHECK(error("unit_subsidy_cents = { A = 100000000 }", places("1")).empty());
  CHECK(error("unit_subsidy_cents = { A = 100000001 }", "") == price_error + ", got 100000001");
}

TEST_CASE("Edges: scheme identifiers, names, instants and the file's size") {
  const auto error = [](std::string_view id, std::string_view name, std::string_view opens_at) {
    const std::string text = fmt::format(
        "[scheme]\nid = \"{}\"\nname = \"{}\"\nunique_participant = \"scheme\"\n[[tranche]]\n"
        "id = \"t\"\nopens_at = \"{}\"\ncloses_at = \"2200-12-31T23:59:59Z\"\nranking = "
        "\"arrival\"\nplaces = 1\n",
        id, name, opens_at);
    const Result<Scheme> result = parse_scheme(text, "s.toml");
    return result.ok() ? std::string() : result.status().message();
  };
  const std::string id_max(limits::identifier_bytes_max, 'i');
  const std::string opens = "2021-03-01T08:00:00Z";
  CHECK(error(id_max, "S", opens).empty());
  CHECK(error(id_max + "i", "S", opens) == "s.toml:2: scheme.id: must be at most 64 bytes");
  CHECK(error("", "S", opens) == "s.toml:2: scheme.id: must not be empty");
  CHECK(error(fmt::format("i{}", four_bytes), "S", opens) ==
        "s.toml:2: scheme.id: may contain only letters, digits, '-', '_' and '.'");
  CHECK(error("s", std::string(256, 'n'), opens).empty());
  CHECK(error("s", std::string(257, 'n'), opens) ==
        "s.toml:3: scheme.name: must be at most 256 bytes");
  CHECK(error("s", repeated(four_bytes, 64), opens).empty());
  CHECK(error("s", "n" + repeated(four_bytes, 64), opens) ==
        "s.toml:3: scheme.name: must be at most 256 bytes");
  CHECK(error("s", "\xC3\x28", opens).starts_with("s.toml:3: "));
  const std::string instant_error =
      "s.toml:7: tranche[1].opens_at: must be an RFC 3339 date-time with offset, in the years "
      "1900-2200";
  CHECK(error("s", "S", "1899-12-31T23:59:59Z") == instant_error);
  CHECK(error("s", "S", "1900-01-01T00:00:00Z").empty());
  CHECK(error("s", "S", "2200-12-31T23:59:58.999999999Z").empty());
  CHECK(error("s", "S", "2200-12-31T23:59:59Z") ==
        "s.toml:8: tranche[1].closes_at: must be later than opens_at");

  const std::string minimal =
      "[scheme]\nid = \"s\"\nname = \"S\"\nunique_participant = \"scheme\"\n[[tranche]]\n"
      "id = \"t\"\nopens_at = 2021-03-01T08:00:00Z\ncloses_at = 2021-04-01T08:00:00Z\n"
      "ranking = \"arrival\"\nplaces = 1\n#";
  const auto padded = [&](std::size_t bytes) {
    return minimal + std::string(bytes - minimal.size() - 1, 'x') + "\n";
  };
  CHECK(parse_scheme(padded(limits::scheme_file_bytes_max), "s.toml").ok());
  CHECK(parse_scheme(padded(limits::scheme_file_bytes_max + 1), "s.toml").status().message() ==
        "s.toml: larger than 1048576 bytes");
}

TEST_CASE("Edges: token files and presented tokens") {
  const std::string hash = repeated("ab", 32);
  const auto token = [&](std::string_view extra, std::string_view sha256 = {}) {
    return fmt::format("[[token]]\nname = \"x\"\nrole = \"portal\"\nsha256 = \"{}\"\n{}\n",
                       sha256.empty() ? std::string_view(hash) : sha256, extra);
  };
  const auto error = [](const std::string& text) {
    return parse_token_file(text, "t.toml").status().message();
  };
  const std::string rate_error = "must be a whole number from 1 to 1000000";
  for (const std::string_view key : {"requests_per_second", "burst"}) {
    const auto with = [&](std::string_view value) {
      return error(token(fmt::format("{} = {}", key, value)));
    };
    const std::string expected = fmt::format("t.toml:5: token[1].{}: {}", key, rate_error);
    CHECK(with("0") == expected);
    CHECK(with("1").empty());
    CHECK(with("1000000").empty());
    CHECK(with("1000001") == expected);
    CHECK(with(int64_min) == expected);
    CHECK(with(int64_max) == expected);
    CHECK(with("1.0") == expected);
  }
  const std::string hash_error =
      "t.toml:1: token[1].sha256: must be the token's SHA-256 as 64 hex digits";
  CHECK(error(token("", repeated("AB", 32))).empty());
  CHECK(error(token("", repeated("ab", 31))) == hash_error);
  CHECK(error(token("", repeated("ab", 33))) == hash_error);
  CHECK(error(token("", repeated("ab", 31) + "a")) == hash_error);
  CHECK(error(token("", repeated("zz", 32))) == hash_error);
  CHECK(error(fmt::format("[[token]]\nname = \"{}\"\nrole = \"portal\"\nsha256 = \"{}\"\n",
                          four_bytes, hash))
            .empty());
  CHECK(error(fmt::format("[[token]]\nname = \"\"\nrole = \"portal\"\nsha256 = \"{}\"\n", hash)) ==
        "t.toml:1: token[1].name: must be a non-empty string");

  // Names and hashes must differ between tokens.
  const auto tokens = [&](std::size_t count) {
    std::string text;
    for (std::size_t index = 0; index < count; ++index) {
      text += fmt::format("[[token]]\nname = \"t{}\"\nrole = \"portal\"\nsha256 = \"{:064x}\"\n",
                          index, index + 1);
    }
    return text;
  };
  CHECK(error(tokens(token_file_limits::tokens_max)).empty());
  CHECK(error(tokens(token_file_limits::tokens_max + 1)).ends_with("token: too many tokens"));

  TokenFile file;
  for (const std::size_t length : {std::size_t{1}, net_limits::token_bytes_max - 1,
                                   net_limits::token_bytes_max, net_limits::token_bytes_max + 1}) {
    const std::string presented(length, 't');
    file.tokens = {TokenEntry{"t", Role::portal, {}, 1, 1}};
    file.tokens[0].sha256 =
        sha256({reinterpret_cast<const std::uint8_t*>(presented.data()), presented.size()});
    INFO("token of " << length << " bytes");
    CHECK((find_token(file, presented) != nullptr) == (length <= net_limits::token_bytes_max));
  }
  CHECK(find_token(file, "") == nullptr);
}

TEST_CASE("Edges: serve config numbers") {
  const auto error = [](const std::string& text) {
    ServeOptions options;
    return apply_serve_config(text, "c.toml", options).message();
  };
  struct Range {
    std::string_view section;  // "" or "limits"
    std::string_view key;
    std::int64_t minimum;
    std::int64_t maximum;
  };
  const std::vector<Range> ranges = {{"", "io_threads", 1, 64},
                                     {"limits", "connections_max", 1, 1'000'000},
                                     {"limits", "queue_jobs_max", 16, 1 << 24},
                                     {"limits", "read_timeout_ms", 1, 3'600'000},
                                     {"limits", "idle_timeout_ms", 1, 3'600'000},
                                     {"limits", "write_timeout_ms", 1, 3'600'000},
                                     {"limits", "drain_timeout_ms", 1, 3'600'000}};
  for (const Range& range : ranges) {
    const bool in_section = !range.section.empty();
    const auto with = [&](const std::string& value) {
      return error(fmt::format(
          "{}{} = {}\n", in_section ? fmt::format("[{}]\n", range.section) : "", range.key, value));
    };
    const std::string expected =
        fmt::format("c.toml:{}: {}{}{}: must be a whole number from {} to {}", in_section ? 2 : 1,
                    range.section, in_section ? "." : "", range.key, range.minimum, range.maximum);
    INFO(range.key);
    CHECK(with(std::to_string(range.minimum - 1)) == expected);
    CHECK(with(std::to_string(range.minimum)).empty());
    CHECK(with(std::to_string(range.maximum)).empty());
    CHECK(with(std::to_string(range.maximum + 1)) == expected);
    CHECK(with(int64_min) == expected);
    CHECK(with(int64_max) == expected);
    CHECK(with("1.5") == expected);
    CHECK(with(std::string(beyond_int64)).starts_with("c.toml:"));
  }
  CHECK(error("listen = \"\"\n") == "c.toml:1: listen: must be a non-empty string");
  CHECK(error(fmt::format("listen = \"{}\"\n", four_bytes)).empty());  // refused when binding
}
