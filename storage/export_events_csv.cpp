// The events CSV. Its columns, in order:
//   seq, received_at, [received_at_utc,] type, tranche, id, participant_hmac, amount_cents,
//   amount_eur, ACTIVITIES, declared_value_cents, declared_value_eur, PARTNERSHIP,
//   malformed_fields, date, seed, reference, MONITORING
// With rfc4180 each capital group is one packed cell: `activities` ("A=3 C1=2"),
// `partnership` ("employer=true employee=false stvda=true") and `monitoring` (its JSON). With
// spreadsheet columns they are a column per activity (`activity_A_units`...), employer_org,
// employee_org and stvda_advice (1 or 0), and education, sector, age_group and
// monitoring_other; a cell is empty when the submission has no such field.
#include <fmt/format.h>

#include <algorithm>

#include "engine/crypto.hpp"
#include "parse/monitoring.hpp"
#include "storage/export_csv.hpp"

namespace loket {
namespace {

constexpr std::size_t partnership_parties = 3;  // employer_org, employee_org, stvda_advice

std::size_t activity_cells(const CsvDialect& dialect) {
  return dialect.spreadsheet_columns ? activity_count : 1;
}

std::size_t partnership_cells(const CsvDialect& dialect) {
  return dialect.spreadsheet_columns ? partnership_parties : 1;
}

// The cells from the activities through malformed_fields, which only a submit fills.
std::size_t submit_only_cells(const CsvDialect& dialect) {
  return activity_cells(dialect) + 2 + partnership_cells(dialect) + 1;
}

void append_optional_cents(std::string& row, const CsvDialect& dialect,
                           const std::optional<std::int64_t>& cents) {
  if (cents) {
    append_csv_number(row, dialect, *cents);
    append_csv_euros(row, dialect, *cents);
  } else {
    append_csv_empty(row, dialect, 2);
  }
}

void append_activities(std::string& row, const CsvDialect& dialect,
                       const std::optional<std::array<std::int64_t, activity_count>>& units) {
  if (dialect.spreadsheet_columns) {
    if (!units) return append_csv_empty(row, dialect, activity_count);
    for (const std::int64_t activity_units : *units) {
      append_csv_number(row, dialect, activity_units);
    }
    return;
  }
  std::string packed;
  for (std::size_t index = 0; units && index < activity_count; ++index) {
    if ((*units)[index] == 0) continue;
    fmt::format_to(std::back_inserter(packed), "{}{}={}", packed.empty() ? "" : " ",
                   activity_names[index], (*units)[index]);
  }
  append_csv_text(row, dialect, packed);
}

void append_partnership(std::string& row, const CsvDialect& dialect,
                        const std::optional<Partnership>& partnership) {
  if (!dialect.spreadsheet_columns) {
    return append_csv_text(
        row, dialect,
        partnership ? fmt::format("employer={} employee={} stvda={}", partnership->employer_org,
                                  partnership->employee_org, partnership->stvda_advice)
                    : "");
  }
  if (!partnership) return append_csv_empty(row, dialect, partnership_parties);
  for (const bool party :
       {partnership->employer_org, partnership->employee_org, partnership->stvda_advice}) {
    append_csv_number(row, dialect, party ? 1 : 0);
  }
}

// Spread over columns, the attributes the monitoring asks for each get one (the age group
// from `age_group`, or from a whole-number `age` as its band); every attribute not in a column
// (another one, one given twice, the age itself) stays in monitoring_other as `key=value`
// pairs, and a text that is no JSON object stays there whole, so that nothing is dropped.
void append_monitoring(std::string& row, const CsvDialect& dialect, std::string_view json) {
  if (!dialect.spreadsheet_columns) return append_csv_text(row, dialect, json);
  const MonitoringAttributes monitoring = read_monitoring(json);
  constexpr std::string_view columns[] = {monitoring_education, monitoring_sector,
                                          monitoring_age_group};
  std::array<bool, std::size(columns)> filled{};
  std::string other(monitoring.not_an_object ? json : "");
  for (const auto& [attribute, value] : monitoring.attributes) {
    const auto column = static_cast<std::size_t>(
        std::find(std::begin(columns), std::end(columns), attribute) - std::begin(columns));
    if (column < filled.size() && !filled[column]) {
      filled[column] = true;
    } else {
      fmt::format_to(std::back_inserter(other), "{}{}={}", other.empty() ? "" : " ", attribute,
                     value);
    }
  }
  append_csv_text(row, dialect, monitoring.value_of(monitoring_education));
  append_csv_text(row, dialect, monitoring.value_of(monitoring_sector));
  append_csv_text(row, dialect, monitoring.age_group());
  append_csv_text(row, dialect, other);
}

// A submit's cells from `type` through `reference` (its date, seed and reference are empty).
void append_submit_cells(std::string& row, const CsvDialect& dialect, const SubmitCommand& submit) {
  append_csv_text(row, dialect, "submit");
  append_csv_text(row, dialect, submit.tranche_id);
  append_csv_text(row, dialect, submit.application_id);
  append_csv_text(row, dialect, submit.participant ? to_hex(*submit.participant) : "");
  append_optional_cents(row, dialect, submit.amount_cents);
  append_activities(row, dialect, submit.activity_units);
  append_optional_cents(row, dialect, submit.declared_value_cents);
  append_partnership(row, dialect, submit.partnership);
  std::string malformed;
  for (std::size_t field = 1; field < field_count; ++field) {
    if (submit.malformed_fields & field_bit(static_cast<Field>(field))) {
      fmt::format_to(std::back_inserter(malformed), "{}{}", malformed.empty() ? "" : " ",
                     to_string(static_cast<Field>(field)));
    }
  }
  append_csv_text(row, dialect, malformed);
  append_csv_empty(row, dialect, 3);
}

// Any other event's cells from `type` through `reference`.
void append_operator_cells(std::string& row, const CsvDialect& dialect, const Command& command) {
  if (const auto* close_day = std::get_if<CloseDayCommand>(&command)) {
    append_csv_text(row, dialect, "close_day");
    append_csv_text(row, dialect, close_day->tranche_id);
    append_csv_empty(row, dialect, 4 + submit_only_cells(dialect));
    append_csv_text(row, dialect, format_date(close_day->date));
    append_csv_text(row, dialect, to_hex(close_day->seed));
    append_csv_empty(row, dialect, 1);
  } else if (const auto* close = std::get_if<CloseCommand>(&command)) {
    append_csv_text(row, dialect, "close");
    append_csv_text(row, dialect, close->tranche_id);
    append_csv_empty(row, dialect, 4 + submit_only_cells(dialect) + 1);
    append_csv_text(row, dialect, to_hex(close->seed));
    append_csv_empty(row, dialect, 1);
  } else if (const auto* commit = std::get_if<CommitSeedCommand>(&command)) {
    // The commitment stands in the seed column; its number of draws follows from the scheme.
    append_csv_text(row, dialect, "commit_seed");
    append_csv_text(row, dialect, commit->tranche_id);
    append_csv_empty(row, dialect, 4 + submit_only_cells(dialect) + 1);
    append_csv_text(row, dialect, to_hex(commit->commitment));
    append_csv_empty(row, dialect, 1);
  } else if (const auto* checkpoint = std::get_if<CheckpointCommand>(&command)) {
    // The signed note stands in the reference column.
    append_csv_text(row, dialect, "checkpoint");
    append_csv_empty(row, dialect, 5 + submit_only_cells(dialect) + 2);
    append_csv_text(row, dialect, checkpoint->note);
  } else {
    const auto& appeal = std::get<AppealCommand>(command);
    append_csv_text(row, dialect, "appeal");
    append_csv_text(row, dialect, appeal.tranche_id);
    append_csv_text(row, dialect, appeal.application_id);
    append_csv_empty(row, dialect, 1);
    append_optional_cents(row, dialect, appeal.amount_cents);
    append_csv_empty(row, dialect, submit_only_cells(dialect) + 2);
    append_csv_text(row, dialect, appeal.reference);
  }
}

}  // namespace

std::string event_csv_header(const CsvDialect& dialect) {
  std::string header = csv_header_start(dialect);
  const auto columns = [&](std::initializer_list<std::string_view> names) {
    for (const std::string_view name : names) append_csv_text(header, dialect, name);
  };
  columns({"seq"});
  append_received_at_columns(header, dialect);
  columns({"type", "tranche", "id", "participant_hmac", "amount_cents", "amount_eur"});
  if (dialect.spreadsheet_columns) {
    for (const std::string_view name : activity_names) {
      append_csv_text(header, dialect, fmt::format("activity_{}_units", name));
    }
  } else {
    columns({"activities"});
  }
  columns({"declared_value_cents", "declared_value_eur"});
  if (dialect.spreadsheet_columns) {
    columns({"employer_org", "employee_org", "stvda_advice"});
  } else {
    columns({"partnership"});
  }
  columns({"malformed_fields", "date", "seed", "reference"});
  if (dialect.spreadsheet_columns) {
    columns({monitoring_education, monitoring_sector, monitoring_age_group, "monitoring_other"});
  } else {
    columns({"monitoring"});
  }
  end_csv_row(header, dialect);
  return header;
}

void append_event_csv(std::string& out, const CsvDialect& dialect, const Scheme& scheme,
                      const JournalRecord& record) {
  append_csv_number(out, dialect, static_cast<std::int64_t>(record.sequence));
  append_received_at(out, dialect, scheme.time_zone, record.received_at);
  if (const auto* submit = std::get_if<SubmitCommand>(&record.command)) {
    append_submit_cells(out, dialect, *submit);
  } else {
    append_operator_cells(out, dialect, record.command);
  }
  append_monitoring(out, dialect, record.monitoring_json);
  end_csv_row(out, dialect);
}

}  // namespace loket
