// A submission's monitoring object (docs/events.md) as attributes a report can count and a
// spreadsheet can pivot. Monitoring is carried, never used for allocation; any JSON object
// is accepted, so this reads it leniently: what it does not know it keeps, as text.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loket {

// The attributes the ministry's monitoring asks for (domain.md): education level, sector and
// age group. A numeric `age` is counted in its age band, not as a category of its own.
inline constexpr std::string_view monitoring_education = "education";
inline constexpr std::string_view monitoring_sector = "sector";
inline constexpr std::string_view monitoring_age_group = "age_group";

// Age bands, lower bounds in years; a band runs to the next bound (the last is open).
inline constexpr int age_band_bounds[] = {0, 25, 35, 45, 55};

// "37" -> "35-44", "120" -> "55+"; "" for a text that is not a whole, non-negative number of
// years ("-3", "4.5", "45-54").
std::string age_band(std::string_view age_text);

inline constexpr std::string_view monitoring_age = "age";

struct MonitoringAttributes {
  // (attribute, value) as given, in the object's order, values as text.
  std::vector<std::pair<std::string, std::string>> attributes;
  // A text that was given but is not a JSON object: it has no attributes, so whoever must
  // drop nothing keeps the text itself.
  bool not_an_object = false;
  std::string value_of(std::string_view attribute) const;  // the first one's; "" when absent
  // `age_group` as given, else the band of a whole-number `age`; "" when neither is there.
  std::string age_group() const;
  // What a report counts, each attribute once: the first value of each, with `age` counted
  // in `age_group` when no age_group is given and the age is a whole number of years.
  std::vector<std::pair<std::string, std::string>> counted() const;
};

// Empty attributes for an empty text, and for a text that is not a JSON object (a journal
// written by any version must still report and export), which also sets not_an_object.
MonitoringAttributes read_monitoring(std::string_view monitoring_json);

}  // namespace loket
