// Status and Result<T> (base/status.hpp): the one shape of an expected failure.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "base/status.hpp"

namespace loket {
namespace {

TEST_CASE("Status: ok has no message, and every failure has a code and keeps its message",
          "[status]") {
  const Status ok = Status::ok();
  CHECK(ok.is_ok());
  CHECK(ok.code() == StatusCode::ok);
  CHECK(ok.message().empty());

  struct Case {
    Status status;
    StatusCode code;
  };
  const Case cases[] = {
      {Status::invalid_argument("a"), StatusCode::invalid_argument},
      {Status::not_found("a"), StatusCode::not_found},
      {Status::already_exists("a"), StatusCode::already_exists},
      {Status::corruption("a"), StatusCode::corruption},
      {Status::io_error("a"), StatusCode::io_error},
      {Status::busy("a"), StatusCode::busy},
      {Status::unavailable("a"), StatusCode::unavailable},
  };
  for (const Case& each : cases) {
    CAPTURE(status_code_name(each.code));
    CHECK_FALSE(each.status.is_ok());
    CHECK(each.status.code() == each.code);
    CHECK(each.status.message() == "a");
  }
}

TEST_CASE("Status: a failure never has an empty message", "[status]") {
  CHECK(Status::io_error("").message() == "unknown error");
  CHECK_FALSE(Status::corruption("").is_ok());
}

TEST_CASE("Status: with_code keeps the message under another code", "[status]") {
  const Status decoded = Status::invalid_argument("record 7: bad CRC");
  const Status journal = decoded.with_code(StatusCode::corruption);
  CHECK(journal.code() == StatusCode::corruption);
  CHECK(journal.message() == "record 7: bad CRC");
  // A failure cannot be turned into success by a code.
  CHECK_FALSE(decoded.with_code(StatusCode::ok).is_ok());
}

TEST_CASE("Result: a value, or the failure that says why there is none", "[status]") {
  Result<std::string> good = std::string("text");
  REQUIRE(good.ok());
  CHECK(static_cast<bool>(good));
  CHECK(*good == "text");
  CHECK(good->size() == 4);
  CHECK(good.value() == "text");
  CHECK(good.status().is_ok());
  CHECK(good.value_or("other") == "text");

  const Result<std::string> bad = Status::not_found("x: no such file");
  CHECK_FALSE(bad.ok());
  CHECK_FALSE(static_cast<bool>(bad));
  CHECK(bad.status().code() == StatusCode::not_found);
  CHECK(bad.status().message() == "x: no such file");
  CHECK_THROWS_AS(bad.value(), std::bad_variant_access);
  CHECK(bad.value_or("other") == "other");
}

TEST_CASE("Result: an ok status is not a value but a failure", "[status]") {
  const Result<int> result = Status::ok();
  CHECK_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::invalid_argument);
}

TEST_CASE("Result: holds a move-only value and gives it up", "[status]") {
  Result<std::unique_ptr<int>> made = std::make_unique<int>(42);
  REQUIRE(made.ok());
  CHECK(**made == 42);
  std::unique_ptr<int> taken = std::move(made).value();
  REQUIRE(taken);
  CHECK(*taken == 42);
}

}  // namespace
}  // namespace loket
