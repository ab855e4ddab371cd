#include "engine/civil_time.hpp"

#include <fmt/format.h>

#include "engine/assert.hpp"

namespace loket {
namespace {

// Timestamps are int64 nanoseconds: years 1678 to 2261. Parsing accepts a narrower,
// comfortably representable range so no arithmetic below can overflow.
constexpr std::int64_t year_min = 1900;
constexpr std::int64_t year_max = 2200;

std::int64_t floor_div(std::int64_t numerator, std::int64_t denominator) {
  LOKET_ASSERT(denominator > 0);
  const std::int64_t quotient = numerator / denominator;
  return (numerator % denominator < 0) ? quotient - 1 : quotient;
}

bool is_leap(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(std::int64_t year, unsigned month) {
  constexpr unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  LOKET_ASSERT(month >= 1 && month <= 12);
  return (month == 2 && is_leap(year)) ? 29 : lengths[month - 1];
}

// Reads exactly `count` decimal digits at `position`; advances it.
std::optional<std::int64_t> read_digits(std::string_view text, std::size_t& position,
                                        std::size_t count) {
  if (position + count > text.size()) return std::nullopt;
  std::int64_t value = 0;
  for (std::size_t index = 0; index < count; ++index) {
    const char digit = text[position + index];
    if (digit < '0' || digit > '9') return std::nullopt;
    value = value * 10 + (digit - '0');
  }
  position += count;
  return value;
}

bool expect(std::string_view text, std::size_t& position, char wanted) {
  if (position >= text.size()) return false;
  const char found = text[position];
  const bool matches = found == wanted || (wanted == 'T' && found == 't');
  if (matches) ++position;
  return matches;
}

std::optional<std::int64_t> parse_date_at(std::string_view text, std::size_t& position) {
  const auto year = read_digits(text, position, 4);
  if (!year || !expect(text, position, '-')) return std::nullopt;
  const auto month = read_digits(text, position, 2);
  if (!month || !expect(text, position, '-')) return std::nullopt;
  const auto day = read_digits(text, position, 2);
  if (!day) return std::nullopt;
  if (*year < year_min || *year > year_max || *month < 1 || *month > 12) return std::nullopt;
  const auto month_number = static_cast<unsigned>(*month);
  if (*day < 1 || *day > days_in_month(*year, month_number)) return std::nullopt;
  return days_from_civil(*year, month_number, static_cast<unsigned>(*day));
}

// The instant, in seconds since the epoch, of the last Sunday of `month` at 01:00 UTC.
std::int64_t eu_transition_seconds(std::int64_t year, unsigned month) {
  const std::int64_t last_day = days_from_civil(year, month, days_in_month(year, month));
  const std::int64_t weekday = floor_div(last_day + 4, 7) * 7;  // 1970-01-01 was a Thursday
  const std::int64_t days_since_sunday = (last_day + 4) - weekday;
  return (last_day - days_since_sunday) * seconds_per_day + 3600;
}

}  // namespace

std::optional<TimeZone> time_zone_from_string(std::string_view name) {
  if (name == "Europe/Amsterdam") return TimeZone::europe_amsterdam;
  if (name == "UTC") return TimeZone::utc;
  return std::nullopt;
}

std::string_view to_string(TimeZone zone) {
  return zone == TimeZone::utc ? "UTC" : "Europe/Amsterdam";
}

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  LOKET_ASSERT(month >= 1 && month <= 12 && day >= 1 && day <= 31);
  // Count from 0000-03-01 so that the leap day falls at the end of each counted year.
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = floor_div(year, 400);
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t month_from_march = (month + 9) % 12;
  const std::int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = floor_div(days, 146097);
  const std::int64_t day_of_era = days - era * 146097;
  const std::int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const std::int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const std::int64_t month_from_march = (5 * day_of_year + 2) / 153;
  const auto day = static_cast<unsigned>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  const auto month =
      static_cast<unsigned>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  LOKET_ASSERT(days_from_civil(year, month, day) == days - 719468);
  return {year, month, day};
}

std::optional<TimestampNs> parse_rfc3339(std::string_view text) {
  std::size_t position = 0;
  const auto days = parse_date_at(text, position);
  if (!days || !expect(text, position, 'T')) return std::nullopt;
  const auto hour = read_digits(text, position, 2);
  if (!hour || !expect(text, position, ':')) return std::nullopt;
  const auto minute = read_digits(text, position, 2);
  if (!minute || !expect(text, position, ':')) return std::nullopt;
  const auto second = read_digits(text, position, 2);
  if (!second || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;

  std::int64_t fraction_ns = 0;
  if (position < text.size() && text[position] == '.') {
    ++position;
    std::size_t digits = 0;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
      if (++digits > 9) return std::nullopt;
      fraction_ns = fraction_ns * 10 + (text[position++] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t pad = digits; pad < 9; ++pad) fraction_ns *= 10;
  }

  std::int64_t offset_seconds = 0;
  if (position < text.size() && (text[position] == 'Z' || text[position] == 'z')) {
    ++position;
  } else if (position < text.size() && (text[position] == '+' || text[position] == '-')) {
    const std::int64_t sign = text[position++] == '-' ? -1 : 1;
    const auto offset_hours = read_digits(text, position, 2);
    if (!offset_hours || !expect(text, position, ':')) return std::nullopt;
    const auto offset_minutes = read_digits(text, position, 2);
    if (!offset_minutes || *offset_hours > 23 || *offset_minutes > 59) return std::nullopt;
    offset_seconds = sign * (*offset_hours * 3600 + *offset_minutes * 60);
  } else {
    return std::nullopt;
  }
  if (position != text.size()) return std::nullopt;

  const std::int64_t seconds =
      *days * seconds_per_day + *hour * 3600 + *minute * 60 + *second - offset_seconds;
  return seconds * nanoseconds_per_second + fraction_ns;
}

namespace {

// A UTC or local count of seconds as its calendar date and its second of that day.
struct DateAndSecond {
  CivilDate date;
  std::int64_t second_of_day;
};

DateAndSecond date_and_second(std::int64_t seconds) {
  const std::int64_t days = floor_div(seconds, seconds_per_day);
  return {civil_from_days(days), seconds - days * seconds_per_day};
}

// A timestamp's whole seconds (rounded down) and its nanoseconds into that second, for every
// int64: seconds * 10^9 does not fit one for the earliest instants, so the fraction comes
// from the remainder.
struct SplitTimestamp {
  std::int64_t seconds;
  std::int64_t fraction_ns;  // 0 to 999,999,999
};
SplitTimestamp split_timestamp(TimestampNs timestamp) {
  std::int64_t fraction_ns = timestamp % nanoseconds_per_second;
  std::int64_t seconds = timestamp / nanoseconds_per_second;
  if (fraction_ns < 0) {
    fraction_ns += nanoseconds_per_second;
    seconds -= 1;
  }
  return {seconds, fraction_ns};
}

}  // namespace

std::string format_rfc3339(TimestampNs timestamp) {
  const auto [seconds, fraction_ns] = split_timestamp(timestamp);
  const auto [date, second_of_day] = date_and_second(seconds);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", date.year, date.month, date.day,
                     second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60,
                     fraction_ns);
}

std::string format_local_time(TimestampNs timestamp, TimeZone zone, char decimal_mark) {
  // The offset is added in seconds, so that no instant an int64 holds overflows.
  const auto [seconds, fraction_ns] = split_timestamp(timestamp);
  const std::int64_t milliseconds = fraction_ns / 1'000'000;
  const auto [date, second_of_day] = date_and_second(seconds + utc_offset_seconds(timestamp, zone));
  LOKET_ASSERT(milliseconds >= 0 && milliseconds < 1000);
  LOKET_ASSERT(second_of_day >= 0 && second_of_day < seconds_per_day);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}{}{:03}", date.year, date.month, date.day,
                     second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60,
                     decimal_mark, milliseconds);
}

std::optional<LocalDate> parse_date(std::string_view text) {
  std::size_t position = 0;
  const auto days = parse_date_at(text, position);
  if (!days || position != text.size()) return std::nullopt;
  return static_cast<LocalDate>(*days);
}

std::string format_date(LocalDate date) {
  const CivilDate civil = civil_from_days(date);
  return fmt::format("{:04}-{:02}-{:02}", civil.year, civil.month, civil.day);
}

std::int64_t utc_offset_seconds(TimestampNs timestamp, TimeZone zone) {
  if (zone == TimeZone::utc) return 0;
  LOKET_ASSERT(zone == TimeZone::europe_amsterdam);
  const std::int64_t seconds = floor_div(timestamp, nanoseconds_per_second);
  const std::int64_t year = civil_from_days(floor_div(seconds, seconds_per_day)).year;
  const bool summer =
      seconds >= eu_transition_seconds(year, 3) && seconds < eu_transition_seconds(year, 10);
  return summer ? 7200 : 3600;
}

LocalDate local_date(TimestampNs timestamp, TimeZone zone) {
  const std::int64_t seconds = floor_div(timestamp, nanoseconds_per_second);
  const std::int64_t local_seconds = seconds + utc_offset_seconds(timestamp, zone);
  return static_cast<LocalDate>(floor_div(local_seconds, seconds_per_day));
}

TimestampNs local_midnight(LocalDate date, TimeZone zone) {
  // Midnight never falls in an EU transition (they happen at 02:00 and 03:00 local), so the
  // offset in force one hour before the standard-time guess is the offset at midnight.
  const std::int64_t midnight_as_utc = std::int64_t{date} * seconds_per_day;
  const std::int64_t probe_ns = (midnight_as_utc - 3 * 3600) * nanoseconds_per_second;
  const std::int64_t offset = utc_offset_seconds(probe_ns, zone);
  const TimestampNs midnight = (midnight_as_utc - offset) * nanoseconds_per_second;
  LOKET_ASSERT(local_date(midnight, zone) == date);
  LOKET_ASSERT(local_date(midnight - 1, zone) == date - 1);
  return midnight;
}

}  // namespace loket
