#include "parse/monitoring.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

namespace loket {

std::string age_band(std::string_view age_text) {
  long long years = 0;
  const auto [end, error] =
      std::from_chars(age_text.data(), age_text.data() + age_text.size(), years);
  if (error != std::errc{} || end != age_text.data() + age_text.size() || years < 0) return "";
  constexpr std::size_t band_count = std::size(age_band_bounds);
  for (std::size_t band = band_count - 1;; --band) {
    if (years < age_band_bounds[band]) continue;
    if (band + 1 == band_count) return fmt::format("{}+", age_band_bounds[band]);
    return fmt::format("{}-{}", age_band_bounds[band], age_band_bounds[band + 1] - 1);
  }
}

std::string MonitoringAttributes::value_of(std::string_view attribute) const {
  for (const auto& [name, value] : attributes) {
    if (name == attribute) return value;
  }
  return "";
}

std::string MonitoringAttributes::age_group() const {
  for (const auto& [name, value] : attributes) {
    if (name == monitoring_age_group) return value;
  }
  return age_band(value_of(monitoring_age));
}

std::vector<std::pair<std::string, std::string>> MonitoringAttributes::counted() const {
  std::vector<std::pair<std::string, std::string>> counted;
  const std::string group = age_group();
  const bool age_in_group = value_of(monitoring_age_group).empty() && !group.empty();
  for (const auto& [name, value] : attributes) {
    const bool banded = age_in_group && name == monitoring_age;
    const std::string_view counted_name = banded ? monitoring_age_group : std::string_view(name);
    const bool seen = std::any_of(counted.begin(), counted.end(),
                                  [&](const auto& entry) { return entry.first == counted_name; });
    if (!seen) counted.emplace_back(std::string(counted_name), banded ? group : value);
  }
  return counted;
}

MonitoringAttributes read_monitoring(std::string_view monitoring_json) {
  MonitoringAttributes result;
  if (monitoring_json.empty()) return result;
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(monitoring_json, error);
  if (error || !parsed.is_object()) {
    result.not_an_object = true;
    return result;
  }
  for (const auto& [key, value] : parsed.as_object()) {
    result.attributes.emplace_back(std::string(key), value.is_string()
                                                         ? std::string(value.as_string())
                                                         : boost::json::serialize(value));
  }
  return result;
}

}  // namespace loket
