// Calendar arithmetic for receipts and tranche windows. Pure functions: nothing here reads a
// clock or the system's time-zone database, so replay gives the same answer on every machine.
//
// Time zones are built in rather than read from tzdata: a machine with an older tzdata would
// otherwise close a lottery day at a different instant and break R10. Europe/Amsterdam follows
// the EU rule (CET, UTC+1; CEST, UTC+2 from the last Sunday of March 01:00 UTC to the last
// Sunday of October 01:00 UTC), which has held without change since 1996.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/types.hpp"

namespace loket {

enum class TimeZone : std::uint8_t { europe_amsterdam = 1, utc = 2 };

std::optional<TimeZone> time_zone_from_string(std::string_view name);
std::string_view to_string(TimeZone zone);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" or "...+HH:MM" (RFC 3339, one to nine fraction
// digits, no leap second). Returns nothing on any deviation.
std::optional<TimestampNs> parse_rfc3339(std::string_view text);

// Formats as UTC with exactly nine fraction digits: "2020-12-01T08:00:00.123456789Z". The
// fixed width makes the text of a timestamp a function of its value, which replay relies on.
std::string format_rfc3339(TimestampNs timestamp);

// Formats the local time in the zone to the millisecond, in a form a spreadsheet reads as a
// date and time: "2020-12-01 09:00:00,123" with decimal_mark ','. Truncated, never rounded up,
// so that a time never shows later than it was. In the hour the clock is set back the same
// local time comes twice; only the UTC time tells them apart.
std::string format_local_time(TimestampNs timestamp, TimeZone zone, char decimal_mark);

// Parses "YYYY-MM-DD" into a day number; formats it back.
std::optional<LocalDate> parse_date(std::string_view text);
std::string format_date(LocalDate date);

// The zone's offset from UTC at an instant, in seconds.
std::int64_t utc_offset_seconds(TimestampNs timestamp, TimeZone zone);

// The calendar date in the zone at an instant.
LocalDate local_date(TimestampNs timestamp, TimeZone zone);

// The UTC instant at which the given local date begins in the zone.
TimestampNs local_midnight(LocalDate date, TimeZone zone);

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};
CivilDate civil_from_days(std::int64_t days);

inline constexpr std::int64_t nanoseconds_per_second = 1'000'000'000;
inline constexpr std::int64_t seconds_per_day = 86'400;

}  // namespace loket
