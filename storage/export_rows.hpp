// Journal records as rows: the events (the inputs, in the allocate event format as JSON
// lines, or CSV) and the decisions (JSON lines as `loket allocate` prints them, or CSV).
// Shared by `loket export` and the server's export endpoint, so both give the same bytes.
// CSV comes in a dialect (storage/csv.hpp): rfc4180, or excel-nl for a Dutch spreadsheet,
// whose columns differ (docs/events.md, CSV exports). JSON lines have no dialect.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/scheme.hpp"
#include "storage/csv.hpp"
#include "storage/record.hpp"

namespace loket {

enum class ExportKind : std::uint8_t { events_jsonl, events_csv, decisions_jsonl, decisions_csv };

// what: events | decisions; format: jsonl | csv.
std::optional<ExportKind> export_kind(std::string_view what, std::string_view format);
bool is_csv(ExportKind kind);

// The header row for CSV, in the dialect (after its byte order mark, if it has one); empty
// for JSON lines, which ignore the dialect.
std::string export_header(ExportKind kind, const CsvDialect& dialect);
// The record's rows: one event, or one line per decision.
void append_export_rows(std::string& out, ExportKind kind, const CsvDialect& dialect,
                        const Scheme& scheme, const JournalRecord& record);

}  // namespace loket
