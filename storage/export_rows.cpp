#include "storage/export_rows.hpp"

#include "engine/assert.hpp"
#include "parse/event_json.hpp"
#include "storage/export_csv.hpp"

namespace loket {

std::string csv_header_start(const CsvDialect& dialect) {
  return std::string(dialect.byte_order_mark ? utf8_byte_order_mark : "");
}

void append_received_at_columns(std::string& header, const CsvDialect& dialect) {
  append_csv_text(header, dialect, "received_at");
  if (dialect.spreadsheet_columns) append_csv_text(header, dialect, "received_at_utc");
}

void append_received_at(std::string& row, const CsvDialect& dialect, TimeZone zone,
                        TimestampNs received_at) {
  if (dialect.spreadsheet_columns) {
    append_csv_text(row, dialect, format_local_time(received_at, zone, dialect.decimal_mark));
  }
  append_csv_text(row, dialect, format_rfc3339(received_at));
}

std::optional<ExportKind> export_kind(std::string_view what, std::string_view format) {
  const bool csv = format == "csv";
  if (!csv && format != "jsonl") return std::nullopt;
  if (what == "events") return csv ? ExportKind::events_csv : ExportKind::events_jsonl;
  if (what == "decisions") return csv ? ExportKind::decisions_csv : ExportKind::decisions_jsonl;
  return std::nullopt;
}

bool is_csv(ExportKind kind) {
  return kind == ExportKind::events_csv || kind == ExportKind::decisions_csv;
}

std::string export_header(ExportKind kind, const CsvDialect& dialect) {
  switch (kind) {
    case ExportKind::events_csv:
      return event_csv_header(dialect);
    case ExportKind::decisions_csv:
      return decision_csv_header(dialect);
    case ExportKind::events_jsonl:
    case ExportKind::decisions_jsonl:
      return {};
  }
  LOKET_ASSERT(false);
  return {};
}

void append_export_rows(std::string& out, ExportKind kind, const CsvDialect& dialect,
                        const Scheme& scheme, const JournalRecord& record) {
  switch (kind) {
    case ExportKind::events_csv:
      return append_event_csv(out, dialect, scheme, record);
    case ExportKind::events_jsonl:
      return append_event_json(out, record.sequence, record.received_at, record.command,
                               record.monitoring_json);
    case ExportKind::decisions_csv:
      for (const Decision& decision : record.decisions) {
        append_decision_csv(out, dialect, scheme, record, decision);
      }
      return;
    case ExportKind::decisions_jsonl:
      for (const Decision& decision : record.decisions) {
        append_decision_json(out, scheme, record.sequence, decision);
      }
      return;
  }
}

}  // namespace loket
