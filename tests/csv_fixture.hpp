// What the CSV export tests share: a journal of records held in memory, its export, and a
// reader of RFC 4180 text in either dialect's separator that checks what it reads.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "engine/civil_time.hpp"
#include "engine/scheme.hpp"
#include "storage/csv.hpp"
#include "storage/export_rows.hpp"
#include "storage/record.hpp"

namespace loket::testing {

// Commands hold views: the texts they point into live here, as long as the records.
struct MemoryJournal {
  std::deque<std::string> texts;
  std::vector<JournalRecord> records;

  std::string_view keep(std::string text) { return texts.emplace_back(std::move(text)); }
  // A record of the next sequence number; the reference is valid until the next add().
  JournalRecord& add(std::string_view received_at, Command command);
};

// A scheme in Europe/Amsterdam of one money tranche "t" with compartments "small" and "large".
Scheme two_compartment_scheme();

// The header row, then the rows of every record.
std::string export_all(ExportKind kind, const CsvDialect& dialect, const Scheme& scheme,
                       const std::vector<JournalRecord>& records);

// The records of a CSV text, each a list of cells with their quotes undone. REQUIREs RFC 4180
// with this separator: quotes closed, no bare quote or line feed, every record ends in CRLF.
std::vector<std::vector<std::string>> parse_csv(std::string_view text, char separator);

// The header's column of this name; REQUIREs that there is one.
std::size_t column_of(const std::vector<std::string>& header, std::string_view name);

}  // namespace loket::testing
