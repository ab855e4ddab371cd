#include "storage/csv.hpp"

#include <fmt/format.h>

#include "engine/assert.hpp"

namespace loket {

std::optional<CsvDialect> csv_dialect_named(std::string_view name) {
  for (const CsvDialect& dialect : {rfc4180_dialect, excel_nl_dialect}) {
    if (name == dialect.name) return dialect;
  }
  return std::nullopt;
}

void append_csv_text(std::string& row, const CsvDialect& dialect, std::string_view text) {
  const bool formula = !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' ||
                                         text[0] == '@' || text[0] == '\t' || text[0] == '\r');
  const char must_quote[] = {dialect.separator, '"', '\r', '\n'};
  const bool quote =
      formula || text.find_first_of(std::string_view(must_quote, 4)) != std::string_view::npos;
  if (quote) row += '"';
  if (formula) row += '\'';
  for (const char c : text) {
    if (c == '"') row += '"';
    row += c;
  }
  if (quote) row += '"';
  row += dialect.separator;
}

void append_csv_number(std::string& row, const CsvDialect& dialect, std::int64_t number) {
  fmt::format_to(std::back_inserter(row), "{}{}", number, dialect.separator);
}

std::string format_euros(std::int64_t cents, char decimal_mark) {
  // The magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64, and whatever a
  // journal holds must export.
  const std::uint64_t magnitude = cents < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(cents)
                                            : static_cast<std::uint64_t>(cents);
  return fmt::format("{}{}{}{:02}", cents < 0 ? "-" : "", magnitude / 100, decimal_mark,
                     magnitude % 100);
}

void append_csv_euros(std::string& row, const CsvDialect& dialect, std::int64_t cents) {
  // A decimal comma is no separator here: only excel-nl writes one, and it separates by `;`.
  LOKET_ASSERT(dialect.decimal_mark != dialect.separator);
  row += format_euros(cents, dialect.decimal_mark);
  row += dialect.separator;
}

void append_csv_empty(std::string& row, const CsvDialect& dialect, std::size_t cells) {
  row.append(cells, dialect.separator);
}

void end_csv_row(std::string& row, const CsvDialect& dialect) {
  LOKET_ASSERT(!row.empty() && row.back() == dialect.separator);
  row.back() = '\r';
  row += '\n';
}

}  // namespace loket
