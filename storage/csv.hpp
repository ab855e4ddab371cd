// CSV cells for spreadsheets, in one of two dialects (docs/events.md, CSV exports):
//   rfc4180   RFC 4180 as it always was: `,` between cells, euros with a decimal point, times
//             in UTC (RFC 3339), no byte order mark; the default, and byte for byte stable.
//   excel-nl  what Excel under a Dutch locale opens as columns: a UTF-8 byte order mark (or
//             accents are garbled), `;` between cells, euros with a decimal comma, times in
//             the scheme's local time, and the packed cells spread over columns of their own.
// In both, a cell with the separator, a quote or a line break is quoted, quotes doubled, rows
// end in CRLF. Text that a spreadsheet would run as a formula (starting with = + - @, a tab or
// a CR) gets a leading apostrophe; numbers are written as numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace loket {

struct CsvDialect {
  std::string_view name;         // as `loket export --dialect` and `?dialect=` spell it
  char separator = ',';          // between cells
  char decimal_mark = '.';       // in euro amounts; cents stay integers
  bool byte_order_mark = false;  // a UTF-8 BOM before the header row
  // Columns for a pivot table: a local time beside the UTC one, one column per activity, per
  // partnership party and per monitoring attribute, instead of one packed cell each.
  bool spreadsheet_columns = false;

  bool operator==(const CsvDialect&) const = default;
};

inline constexpr CsvDialect rfc4180_dialect{"rfc4180", ',', '.', false, false};
inline constexpr CsvDialect excel_nl_dialect{"excel-nl", ';', ',', true, true};
inline constexpr std::string_view utf8_byte_order_mark = "\xEF\xBB\xBF";

// The dialect of this name, or nothing for another.
std::optional<CsvDialect> csv_dialect_named(std::string_view name);

// Each appends a cell and the dialect's separator after it.
void append_csv_text(std::string& row, const CsvDialect& dialect, std::string_view text);
void append_csv_number(std::string& row, const CsvDialect& dialect, std::int64_t number);
// Euro cents as euros with two decimals: -12345 -> -123.45 (rfc4180), -123,45 (excel-nl).
void append_csv_euros(std::string& row, const CsvDialect& dialect, std::int64_t cents);
void append_csv_empty(std::string& row, const CsvDialect& dialect, std::size_t cells);  // so many
void end_csv_row(std::string& row, const CsvDialect& dialect);  // the last separator -> CRLF

// Every int64, INT64_MIN and INT64_MAX included.
std::string format_euros(std::int64_t cents, char decimal_mark = '.');  // "123.45", "-0.05"

}  // namespace loket
