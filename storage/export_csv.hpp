// The CSV exports' header rows and rows, one writer per export kind whatever the dialect
// (storage/csv.hpp); export_rows.cpp chooses among them. Internal to storage/.
// The columns of both dialects are listed in docs/events.md (CSV exports).
#pragma once

#include <string>

#include "engine/scheme.hpp"
#include "storage/csv.hpp"
#include "storage/record.hpp"

namespace loket {

// The header row, after a byte order mark if the dialect has one.
std::string event_csv_header(const CsvDialect& dialect);
std::string decision_csv_header(const CsvDialect& dialect);

// One row per event; one row per decision. Local times are in the scheme's time zone.
void append_event_csv(std::string& out, const CsvDialect& dialect, const Scheme& scheme,
                      const JournalRecord& record);
void append_decision_csv(std::string& out, const CsvDialect& dialect, const Scheme& scheme,
                         const JournalRecord& record, const Decision& decision);

// What both share: a header row's start (the byte order mark) and the cells of when the
// record was received: `received_at` in UTC (rfc4180), or `received_at` as the zone's local
// time followed by `received_at_utc` (spreadsheet columns), so that nothing is lost.
std::string csv_header_start(const CsvDialect& dialect);
void append_received_at_columns(std::string& header, const CsvDialect& dialect);
void append_received_at(std::string& row, const CsvDialect& dialect, TimeZone zone,
                        TimestampNs received_at);

}  // namespace loket
