#include "parse/monitoring.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

namespace loket {

std::string age_band(std::string_view age_text) {
  long long years = 0;
  const auto [end, error] =
      std::from_chars(age_text.data(), age_text.data() + age_text.size(), years);
  if (error != std::errc{} || end != age_text.data() + age_text.size())
    return std::string(age_text);
  if (years < 0) return "";
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
    std::string text =
        value.is_string() ? std::string(value.as_string()) : boost::json::serialize(value);
    const bool age = key == "age" || key == monitoring_age_group;
    result.attributes.emplace_back(age ? std::string(monitoring_age_group) : std::string(key),
                                   age ? age_band(text) : std::move(text));
  }
  return result;
}

}  // namespace loket
