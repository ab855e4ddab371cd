// What the report's sections share (app/report_*.cpp only): the page being written, in one
// language, and the data it shows.
#pragma once

#include <fmt/format.h>

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "app/report_data.hpp"
#include "app/report_html.hpp"
#include "app/report_words.hpp"

namespace loket {

struct ReportPage {
  const ReportData& data;
  const ReportSettings& settings;
  std::string html;

  std::string_view words(Phrase phrase) const { return phrase_text(settings.language, phrase); }
  std::string number(std::int64_t value) const { return grouped(settings.language, value); }
  std::string count(std::uint64_t value) const {
    return grouped(settings.language, static_cast<std::int64_t>(value));
  }
  std::string euros(std::int64_t cents) const { return euros_text(settings.language, cents); }
  // A tranche's units: "1,234 places" or euros.
  std::string units(const Tranche& tranche, std::int64_t units) const;
  // "2020-12-01 09:00:00.123 (UTC+1)" in the scheme's time zone.
  std::string local_time(TimestampNs at) const;
  // <h2>title</h2>, then "None." when there is nothing to list: true when there is.
  bool section(Phrase title, bool empty);
  // A table row of header cells, one phrase each.
  void header_row(std::span<const Phrase> phrases);
  void header_row(std::initializer_list<Phrase> phrases) {
    header_row(std::span<const Phrase>(phrases.begin(), phrases.size()));
  }
  // Appends a phrase formatted with named arguments.
  template <typename... Arguments>
  void say(Phrase phrase, Arguments&&... arguments) {
    fmt::format_to(std::back_inserter(html), fmt::runtime(words(phrase)),
                   std::forward<Arguments>(arguments)...);
  }
};

void write_about(ReportPage& page);
void write_summary(ReportPage& page);
void write_scheme(ReportPage& page);
void write_budgets(ReportPage& page);
void write_charts(ReportPage& page);
void write_outcomes(ReportPage& page);
void write_monitoring(ReportPage& page);
void write_events(ReportPage& page);
void write_checkpoint(ReportPage& page);
void write_ranked_lists(ReportPage& page);

}  // namespace loket
