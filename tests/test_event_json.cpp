// The event reader: a malformed line is an error naming the field; a submission's own bad
// fields are not (they become `invalid` decisions, tested with the rules).
#include <catch2/catch.hpp>

#include "parse/event_json.hpp"

using namespace loket;

namespace {

std::string error_of(std::string_view line) {
  EventParser parser({'k'});
  const Result<ParsedEvent> result = parser.parse(line);
  REQUIRE_FALSE(result.ok());
  return result.status().message();
}

}  // namespace

TEST_CASE("Malformed event lines are errors that name the field") {
  CHECK(error_of("not json").starts_with("not valid JSON"));
  CHECK(error_of("[1]") == "not a JSON object");
  CHECK(error_of(R"({"seq":1,"received_at":"2020-12-01T08:00:00Z"})") == "field 'type': missing");
  CHECK(error_of(R"({"type":"submit","received_at":"2020-12-01T08:00:00Z"})") ==
        "field 'seq': must be a positive integer");
  CHECK(error_of(R"({"type":"submit","seq":0,"received_at":"2020-12-01T08:00:00Z"})") ==
        "field 'seq': must be a positive integer");
  CHECK(error_of(R"({"type":"submit","seq":1})") == "field 'received_at': missing");
  CHECK(error_of(R"({"type":"submit","seq":1,"received_at":"2020-12-01"})") ==
        "field 'received_at': must be an RFC 3339 date-time with offset");
  CHECK(error_of(R"({"type":"grant","seq":1,"received_at":"2020-12-01T08:00:00Z"})") ==
        "field 'type': must be one of \"submit\", \"close_day\", \"close\", \"appeal\", "
        "\"commit_seed\", \"checkpoint\"");
  CHECK(error_of(R"({"type":"submit","seq":1,"received_at":"2020-12-01T08:00:00Z","amount":5})") ==
        "field 'amount': unknown key");
  CHECK(error_of(R"({"type":"close","seq":1,"received_at":"2020-12-01T08:00:00Z"})") ==
        "field 'tranche': missing");
  CHECK(
      error_of(
          R"({"type":"close","seq":1,"received_at":"2020-12-01T08:00:00Z","tranche":"t","seed":"xyz"})") ==
      "field 'seed': must be non-empty hex");
  CHECK(
      error_of(
          R"({"type":"close_day","seq":1,"received_at":"2020-12-01T08:00:00Z","tranche":"t","date":"2020-12-32"})") ==
      "field 'date': must be a date YYYY-MM-DD");
  CHECK(
      error_of(
          R"({"type":"appeal","seq":1,"received_at":"2020-12-01T08:00:00Z","tranche":"t","id":"A","amount_cents":"5"})") ==
      "field 'amount_cents': must be an integer number of cents");
  CHECK(error_of("{\"type\":\"submit\",\"seq\":1,\"received_at\":\"2020-12-01T08:00:00Z\",\"id\":"
                 "\"\xff\"}")
            .starts_with("not valid JSON"));
}

TEST_CASE("An event line with a key twice is an error, not the last value silently") {
  CHECK(
      error_of(
          R"({"type":"submit","seq":1,"received_at":"2020-12-01T08:00:00Z","amount_cents":1,"amount_cents":2})") ==
      "key \"amount_cents\" appears twice");
}

TEST_CASE("A submission's own bad fields are marked, not errors") {
  EventParser parser({'k'});
  const Result<ParsedEvent> result = parser.parse(
      R"({"type":"submit","seq":3,"received_at":"2020-12-01T08:00:00.5Z","tranche":"t2","id":5,)"
      R"("participant":"","amount_cents":-3,"activities":{"A":-1},"partnership":true})");
  REQUIRE(result.ok());
  CHECK(result->sequence == 3);
  CHECK(result->received_at == 1606809600500000000);
  const auto& submit = std::get<SubmitCommand>(result->command);
  CHECK(submit.tranche_id == "t2");
  CHECK(submit.malformed_fields == (field_bit(Field::id) | field_bit(Field::participant) |
                                    field_bit(Field::activities) | field_bit(Field::partnership)));
  CHECK(submit.amount_cents == -3);  // present and well-formed; the allocator rejects it
}
