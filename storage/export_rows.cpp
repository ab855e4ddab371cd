#include "storage/export_rows.hpp"

#include <fmt/format.h>

#include "parse/event_json.hpp"
#include "storage/csv.hpp"

namespace loket {
namespace {

std::string_view tranche_name(const Scheme& scheme, std::uint8_t index) {
  return index < scheme.tranches.size() ? std::string_view(scheme.tranches[index].id) : "";
}

std::string_view compartment_name(const Scheme& scheme, std::uint8_t tranche,
                                  std::uint8_t compartment) {
  if (tranche >= scheme.tranches.size()) return "";
  const auto& compartments = scheme.tranches[tranche].compartments;
  return compartment < compartments.size() ? std::string_view(compartments[compartment].id) : "";
}

constexpr std::string_view events_header =
    "seq,received_at,type,tranche,id,participant_hmac,amount_cents,amount_eur,activities,"
    "declared_value_cents,declared_value_eur,partnership,malformed_fields,date,seed,reference,"
    "monitoring\r\n";

void append_optional_cents(std::string& row, const std::optional<std::int64_t>& cents) {
  if (cents) {
    append_csv_number(row, *cents);
    append_csv_euros(row, *cents);
  } else {
    row += ",,";
  }
}

// A submit's columns from `type` through `reference` (its date, seed and reference are empty).
void append_submit_csv(std::string& out, const SubmitCommand& submit) {
  append_csv_text(out, "submit");
  append_csv_text(out, submit.tranche_id);
  append_csv_text(out, submit.application_id);
  append_csv_text(out, submit.participant ? to_hex(*submit.participant) : "");
  append_optional_cents(out, submit.amount_cents);
  std::string activities;
  if (submit.activity_units) {
    for (std::size_t index = 0; index < activity_count; ++index) {
      if ((*submit.activity_units)[index] == 0) continue;
      activities += fmt::format("{}{}={}", activities.empty() ? "" : " ", activity_names[index],
                                (*submit.activity_units)[index]);
    }
  }
  append_csv_text(out, activities);
  append_optional_cents(out, submit.declared_value_cents);
  std::string partnership;
  if (submit.partnership) {
    partnership = fmt::format("employer={} employee={} stvda={}", submit.partnership->employer_org,
                              submit.partnership->employee_org, submit.partnership->stvda_advice);
  }
  append_csv_text(out, partnership);
  std::string malformed;
  for (std::size_t field = 1; field < field_count; ++field) {
    if (submit.malformed_fields & field_bit(static_cast<Field>(field))) {
      malformed +=
          fmt::format("{}{}", malformed.empty() ? "" : " ", to_string(static_cast<Field>(field)));
    }
  }
  append_csv_text(out, malformed);
  out += ",,,";
}

void append_event_csv(std::string& out, const JournalRecord& record) {
  append_csv_number(out, static_cast<std::int64_t>(record.sequence));
  append_csv_text(out, format_rfc3339(record.received_at));
  if (const auto* submit = std::get_if<SubmitCommand>(&record.command)) {
    append_submit_csv(out, *submit);
  } else if (const auto* close_day = std::get_if<CloseDayCommand>(&record.command)) {
    append_csv_text(out, "close_day");
    append_csv_text(out, close_day->tranche_id);
    out += ",,,,,,,,,";
    append_csv_text(out, format_date(close_day->date));
    append_csv_text(out, to_hex(close_day->seed));
    out += ',';
  } else if (const auto* close = std::get_if<CloseCommand>(&record.command)) {
    append_csv_text(out, "close");
    append_csv_text(out, close->tranche_id);
    out += ",,,,,,,,,,";
    append_csv_text(out, to_hex(close->seed));
    out += ',';
  } else if (const auto* commit = std::get_if<CommitSeedCommand>(&record.command)) {
    // The commitment stands in the seed column; its number of draws follows from the scheme.
    append_csv_text(out, "commit_seed");
    append_csv_text(out, commit->tranche_id);
    out += ",,,,,,,,,,";
    append_csv_text(out, to_hex(commit->commitment));
    out += ',';
  } else if (const auto* checkpoint = std::get_if<CheckpointCommand>(&record.command)) {
    // The signed note stands in the reference column.
    append_csv_text(out, "checkpoint");
    out += ",,,,,,,,,,,,";
    append_csv_text(out, checkpoint->note);
  } else {
    const auto& appeal = std::get<AppealCommand>(record.command);
    append_csv_text(out, "appeal");
    append_csv_text(out, appeal.tranche_id);
    append_csv_text(out, appeal.application_id);
    out += ',';
    append_optional_cents(out, appeal.amount_cents);
    out += ",,,,,,,";
    append_csv_text(out, appeal.reference);
  }
  append_csv_text(out, record.monitoring_json);
  end_csv_row(out);
}

constexpr std::string_view decisions_header =
    "seq,received_at,kind,tranche,id,outcome,reason,field,compartment,granted_cents,granted_eur,"
    "from,to,amount_cents,amount_eur\r\n";

void append_decision_csv(std::string& out, const Scheme& scheme, const JournalRecord& record,
                         const Decision& decision) {
  append_csv_number(out, static_cast<std::int64_t>(record.sequence));
  append_csv_text(out, format_rfc3339(record.received_at));
  if (decision.kind == Decision::Kind::transfer) {
    append_csv_text(out, "transfer");
    append_csv_text(out, tranche_name(scheme, decision.tranche_index));
    out += ",,,,,,,";
    append_csv_text(out,
                    compartment_name(scheme, decision.tranche_index, decision.from_compartment));
    append_csv_text(out, compartment_name(scheme, decision.tranche_index, decision.to_compartment));
    append_csv_number(out, decision.amount_cents);
    append_csv_euros(out, decision.amount_cents);
  } else {
    append_csv_text(out, "application");
    append_csv_text(out, tranche_name(scheme, decision.tranche_index));
    append_csv_text(out, decision.application_id);
    append_csv_text(out, to_string(decision.outcome));
    append_csv_text(out, to_string(decision.reason));
    append_csv_text(out, to_string(decision.field));
    append_csv_text(out,
                    compartment_name(scheme, decision.tranche_index, decision.compartment_index));
    append_csv_number(out, decision.granted_cents);
    append_csv_euros(out, decision.granted_cents);
    out += ",,,,";
  }
  end_csv_row(out);
}

}  // namespace

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

std::string_view export_header(ExportKind kind) {
  switch (kind) {
    case ExportKind::events_csv:
      return events_header;
    case ExportKind::decisions_csv:
      return decisions_header;
    case ExportKind::events_jsonl:
    case ExportKind::decisions_jsonl:
      return {};
  }
  return {};
}

void append_export_rows(std::string& out, ExportKind kind, const Scheme& scheme,
                        const JournalRecord& record) {
  switch (kind) {
    case ExportKind::events_csv:
      return append_event_csv(out, record);
    case ExportKind::events_jsonl:
      return append_event_json(out, record.sequence, record.received_at, record.command,
                               record.monitoring_json);
    case ExportKind::decisions_csv:
      for (const Decision& decision : record.decisions) {
        append_decision_csv(out, scheme, record, decision);
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
