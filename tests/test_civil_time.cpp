#include <catch2/catch.hpp>

#include "engine/civil_time.hpp"

using namespace loket;

TEST_CASE("RFC 3339 timestamps parse to nanoseconds and format back with nine digits") {
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339("2020-12-01T08:00:00.123456789Z") == 1606809600123456789);
  CHECK(parse_rfc3339("2020-12-01T09:00:00.5+01:00") == 1606809600500000000);
  CHECK(parse_rfc3339("2020-12-01t08:00:00z") == 1606809600000000000);
  CHECK(format_rfc3339(1606809600123456789) == "2020-12-01T08:00:00.123456789Z");
  CHECK(format_rfc3339(-1) == "1969-12-31T23:59:59.999999999Z");
  for (const char* bad :
       {"", "2020-12-01", "2020-12-01T08:00:00", "2020-13-01T08:00:00Z", "2021-02-29T08:00:00Z",
        "2020-12-01T24:00:00Z", "2020-12-01T08:00:60Z", "2020-12-01T08:00:00.Z",
        "2020-12-01T08:00:00.1234567890Z", "2020-12-01T08:00:00+1:00", "2020-12-01T08:00:00Z ",
        " 2020-12-01T08:00:00Z", "2020-12-01 08:00:00Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad));
  }
  CHECK(parse_rfc3339("2020-02-29T00:00:00Z"));
}

TEST_CASE("Civil dates round-trip over four centuries") {
  for (std::int64_t days = -200000; days <= 200000; days += 7) {
    const CivilDate date = civil_from_days(days);
    REQUIRE(days_from_civil(date.year, date.month, date.day) == days);
  }
  CHECK(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28) == 2);
  CHECK(days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28) == 1);
  CHECK(parse_date("2020-12-01") == days_from_civil(2020, 12, 1));
  CHECK(format_date(*parse_date("2020-12-01")) == "2020-12-01");
}

TEST_CASE("Europe/Amsterdam: CET, CEST, and the two changes each year") {
  const auto at = [](const char* text) { return *parse_rfc3339(text); };
  constexpr auto zone = TimeZone::europe_amsterdam;
  CHECK(utc_offset_seconds(at("2020-12-01T08:00:00Z"), zone) == 3600);
  CHECK(utc_offset_seconds(at("2021-03-28T00:59:59Z"), zone) == 3600);
  CHECK(utc_offset_seconds(at("2021-03-28T01:00:00Z"), zone) == 7200);
  CHECK(utc_offset_seconds(at("2021-10-31T00:59:59Z"), zone) == 7200);
  CHECK(utc_offset_seconds(at("2021-10-31T01:00:00Z"), zone) == 3600);
  CHECK(utc_offset_seconds(at("2020-03-29T01:00:00Z"), zone) == 7200);  // 2020's last Sunday
  CHECK(local_date(at("2020-11-30T23:00:00Z"), zone) == *parse_date("2020-12-01"));
  CHECK(local_date(at("2020-11-30T22:59:59.999999999Z"), zone) == *parse_date("2020-11-30"));
  CHECK(local_midnight(*parse_date("2021-03-28"), zone) == at("2021-03-27T23:00:00Z"));
  CHECK(local_midnight(*parse_date("2021-03-29"), zone) == at("2021-03-28T22:00:00Z"));
  CHECK(local_midnight(*parse_date("2021-10-31"), zone) == at("2021-10-30T22:00:00Z"));
  CHECK(local_midnight(*parse_date("2021-11-01"), zone) == at("2021-10-31T23:00:00Z"));
  CHECK(local_midnight(*parse_date("2021-11-01"), TimeZone::utc) == at("2021-11-01T00:00:00Z"));
}

TEST_CASE(
    "Local times for a spreadsheet: to the millisecond in winter and summer and across the "
    "changes") {
  const auto local = [](std::string_view utc) {
    return format_local_time(*parse_rfc3339(utc), TimeZone::europe_amsterdam, ',');
  };
  CHECK(local("2020-12-01T08:00:00.123456789Z") == "2020-12-01 09:00:00,123");  // CET, UTC+1
  CHECK(local("2021-06-01T08:00:00.999999999Z") == "2021-06-01 10:00:00,999");  // CEST, truncated
  // Spring: at 01:00 UTC the clock jumps from 02:00 to 03:00; 02:xx never shows.
  CHECK(local("2021-03-28T00:59:59.999Z") == "2021-03-28 01:59:59,999");
  CHECK(local("2021-03-28T01:00:00Z") == "2021-03-28 03:00:00,000");
  // Autumn: at 01:00 UTC the clock goes back from 03:00 to 02:00; 02:30 shows twice.
  CHECK(local("2021-10-31T00:30:00Z") == "2021-10-31 02:30:00,000");
  CHECK(local("2021-10-31T01:30:00Z") == "2021-10-31 02:30:00,000");
  CHECK(local("2021-12-31T23:00:00Z") == "2022-01-01 00:00:00,000");  // a new local year
  CHECK(format_local_time(-1, TimeZone::europe_amsterdam, ',') == "1970-01-01 00:59:59,999");
  CHECK(format_local_time(-1, TimeZone::utc, '.') == "1969-12-31 23:59:59.999");
  // The extremes an int64 holds, without overflow (the EU rule applied proleptically).
  CHECK(format_local_time(INT64_MIN, TimeZone::europe_amsterdam, ',') == "1677-09-21 02:12:43,145");
  CHECK(format_local_time(INT64_MAX, TimeZone::europe_amsterdam, ',') == "2262-04-12 01:47:16,854");
}
