// RFC 4180 CSV cells for spreadsheets: fields with a comma, quote or line break are quoted,
// quotes doubled, rows end in CRLF. Text that a spreadsheet would run as a formula (starting
// with = + - @ or a tab) gets a leading apostrophe; numbers are written as numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loket {

void append_csv_text(std::string& row, std::string_view text);
void append_csv_number(std::string& row, std::int64_t number);
// Euro cents as euros with two decimals: -12345 -> -123.45
void append_csv_euros(std::string& row, std::int64_t cents);
void end_csv_row(std::string& row);  // replaces the trailing comma with CRLF

// Every int64, INT64_MIN and INT64_MAX included.
std::string format_euros(std::int64_t cents);  // "123.45", "-0.05"

}  // namespace loket
