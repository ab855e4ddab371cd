#include "loadgen/arrival_profile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "engine/assert.hpp"

namespace loket {
namespace {

constexpr double day_seconds = 86'400;
constexpr double opening_decay_seconds = 2 * 3600;

std::optional<double> parse_number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

ArrivalProfile ArrivalProfile::flood() {
  return ArrivalProfile{};
}

ArrivalProfile ArrivalProfile::opening_day(std::uint64_t requests, double time_scale) {
  LOKET_ASSERT(requests > 0 && time_scale > 0);
  ArrivalProfile profile;
  profile.kind_ = Kind::opening_day;
  profile.requests_ = static_cast<double>(requests);
  profile.decay_per_second_ = time_scale / opening_decay_seconds;
  profile.day_fraction_ = 1 - std::exp(-day_seconds / opening_decay_seconds);
  return profile;
}

Result<ArrivalProfile> ArrivalProfile::from_csv(std::string_view text, std::string_view file_name) {
  ArrivalProfile profile;
  profile.kind_ = Kind::table;
  std::size_t line_number = 0;
  double due_before = 0;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    ++line_number;
    if (line.find_first_not_of(" \r") == std::string_view::npos) continue;
    const std::size_t comma = line.find(',');
    const auto fail = [&](std::string_view field, std::string_view what) {
      return Status::invalid_argument(
          fmt::format("{}:{}: {}: {}", file_name, line_number, field, what));
    };
    if (comma == std::string_view::npos) return fail("row", "expected second,rate");
    const auto second = parse_number(line.substr(0, comma));
    const auto rate = parse_number(line.substr(comma + 1));
    if (!second && !rate && profile.start_.empty() && line_number == 1) continue;  // a header
    if (!second || *second < 0) return fail("second", "must be a number of seconds, 0 or more");
    if (!profile.start_.empty() && *second <= profile.start_.back()) {
      return fail("second", "must be later than the row before");
    }
    if (!rate || *rate < 0 || *rate > 10'000'000) {
      return fail("rate", "must be a number of requests per second from 0 to 10000000");
    }
    if (!profile.start_.empty()) {
      due_before += profile.rate_.back() * (*second - profile.start_.back());
    } else if (*second != 0) {
      return fail("second", "the first row must start at 0");
    }
    profile.start_.push_back(*second);
    profile.rate_.push_back(*rate);
    profile.before_.push_back(due_before);
  }
  if (profile.start_.empty()) {
    return Status::invalid_argument(fmt::format("{}: no rows of second,rate", file_name));
  }
  return profile;
}

std::optional<double> ArrivalProfile::due_seconds(std::uint64_t index) const {
  const double position = static_cast<double>(index);
  switch (kind_) {
    case Kind::flood:
      return 0.0;
    case Kind::opening_day: {
      // Inverse of due(t) = requests * (1 - exp(-decay t)) / day_fraction.
      if (position >= requests_) return std::nullopt;
      return -std::log1p(-position * day_fraction_ / requests_) / decay_per_second_;
    }
    case Kind::table: {
      // The last row with no more than `index` requests due before it; rows of rate 0 in
      // between have no width in requests and are passed over.
      const auto after = std::upper_bound(before_.begin(), before_.end(), position);
      const auto row = static_cast<std::size_t>(after - before_.begin()) - 1;
      if (rate_[row] == 0) return std::nullopt;  // the table ended with rate 0
      return start_[row] + (position - before_[row]) / rate_[row];
    }
  }
  return std::nullopt;
}

}  // namespace loket
