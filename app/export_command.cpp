#include "app/export_command.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "app/csv.hpp"
#include "engine/event_json.hpp"
#include "storage/replay.hpp"

namespace loket {
namespace {

constexpr std::size_t output_flush_bytes = 1 << 20;

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

void append_event_csv(std::string& out, const JournalRecord& record) {
  append_csv_number(out, static_cast<std::int64_t>(record.sequence));
  append_csv_text(out, format_rfc3339(record.received_at));
  std::string seed;
  if (const auto* submit = std::get_if<SubmitCommand>(&record.command)) {
    append_csv_text(out, "submit");
    append_csv_text(out, submit->tranche_id);
    append_csv_text(out, submit->application_id);
    append_csv_text(out, submit->participant ? to_hex(*submit->participant) : "");
    append_optional_cents(out, submit->amount_cents);
    std::string activities;
    if (submit->activity_units) {
      for (std::size_t index = 0; index < activity_count; ++index) {
        if ((*submit->activity_units)[index] == 0) continue;
        activities += fmt::format("{}{}={}", activities.empty() ? "" : " ", activity_names[index],
                                  (*submit->activity_units)[index]);
      }
    }
    append_csv_text(out, activities);
    append_optional_cents(out, submit->declared_value_cents);
    std::string partnership;
    if (submit->partnership) {
      partnership =
          fmt::format("employer={} employee={} stvda={}", submit->partnership->employer_org,
                      submit->partnership->employee_org, submit->partnership->stvda_advice);
    }
    append_csv_text(out, partnership);
    std::string malformed;
    for (std::uint8_t field = 1; field <= 6; ++field) {
      if (submit->malformed_fields & field_bit(static_cast<Field>(field))) {
        malformed +=
            fmt::format("{}{}", malformed.empty() ? "" : " ", to_string(static_cast<Field>(field)));
      }
    }
    append_csv_text(out, malformed);
    out += ",,,";
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

int run_export(const ExportOptions& options, std::FILE* errors) {
  const bool events = options.what == "events";
  const bool csv = options.format == "csv";
  if (!events && options.what != "decisions") {
    fmt::print(errors, "loket export: --what must be events or decisions, not '{}'\n",
               options.what);
    return 2;
  }
  if (!csv && options.format != "jsonl") {
    fmt::print(errors, "loket export: --format must be jsonl or csv, not '{}'\n", options.format);
    return 2;
  }
  JournalOpenResult opened = Journal::open(options.data_path, JournalOptions{{}, nullptr, true});
  if (!opened.status.is_ok()) {
    fmt::print(errors, "loket export: {}\n", opened.status.message());
    return 2;
  }
  const SchemeParseResult parsed =
      parse_scheme(opened.journal->scheme_text(), options.data_path + " (header)");
  if (!parsed.scheme) {
    fmt::print(errors, "loket export: {}\n", parsed.error);
    return 2;
  }
  const Scheme& scheme = *parsed.scheme;
  const bool to_stdout = options.out_path.empty();
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(
      to_stdout ? stdout : std::fopen(options.out_path.c_str(), "wb"),
      to_stdout ? [](std::FILE*) { return 0; } : &std::fclose);
  if (!out) {
    fmt::print(errors, "loket export: {}: cannot write: {}\n", options.out_path,
               std::strerror(errno));
    return 2;
  }

  std::string buffer;
  if (csv) buffer += events ? events_header : decisions_header;
  bool write_failed = false;
  const auto flush = [&] {
    write_failed =
        write_failed || std::fwrite(buffer.data(), 1, buffer.size(), out.get()) != buffer.size();
    buffer.clear();
  };
  const JournalSummary summary = verify_records(*opened.journal, [&](const JournalRecord& record) {
    if (events && csv) {
      append_event_csv(buffer, record);
    } else if (events) {
      append_event_json(buffer, record.sequence, record.received_at, record.command,
                        record.monitoring_json);
    } else {
      for (const Decision& decision : record.decisions) {
        if (csv) {
          append_decision_csv(buffer, scheme, record, decision);
        } else {
          append_decision_json(buffer, scheme, record.sequence, decision);
        }
      }
    }
    if (buffer.size() >= output_flush_bytes) flush();
    return true;
  });
  flush();
  if (write_failed || std::fflush(out.get()) != 0) {
    fmt::print(errors, "loket export: {}: write error: {}\n",
               to_stdout ? "<stdout>" : options.out_path, std::strerror(errno));
    return 2;
  }
  if (summary.problem) {
    fmt::print(errors, "loket export: {}: record {}: {}; exported records 1-{} only\n",
               options.data_path, summary.problem->sequence, summary.problem->what,
               summary.last_sequence);
    return 1;
  }
  return 0;
}

}  // namespace loket
