#include "storage/csv.hpp"

#include <fmt/format.h>

#include "engine/assert.hpp"

namespace loket {

void append_csv_text(std::string& row, std::string_view text) {
  const bool formula = !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' ||
                                         text[0] == '@' || text[0] == '\t' || text[0] == '\r');
  const bool quote = formula || text.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quote) row += '"';
  if (formula) row += '\'';
  for (const char c : text) {
    if (c == '"') row += '"';
    row += c;
  }
  if (quote) row += '"';
  row += ',';
}

void append_csv_number(std::string& row, std::int64_t number) {
  fmt::format_to(std::back_inserter(row), "{},", number);
}

std::string format_euros(std::int64_t cents) {
  // The magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64, and whatever a
  // journal holds must export.
  const std::uint64_t magnitude = cents < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(cents)
                                            : static_cast<std::uint64_t>(cents);
  return fmt::format("{}{}.{:02}", cents < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

void append_csv_euros(std::string& row, std::int64_t cents) {
  row += format_euros(cents);
  row += ',';
}

void end_csv_row(std::string& row) {
  LOKET_ASSERT(!row.empty() && row.back() == ',');
  row.back() = '\r';
  row += '\n';
}

}  // namespace loket
