// The decisions CSV. Its columns, in order:
//   seq, received_at, [received_at_utc,] kind, tranche, id, outcome, reason, field,
//   compartment, granted_cents, granted_eur, from, to, amount_cents, amount_eur, places
// An application decision leaves from through places empty; a transfer between two
// compartments fills from through amount_eur (and its tranche); a carry-over (R11) names the
// source and receiving tranches in from and to, and moves amount_cents or places.
#include "storage/export_csv.hpp"

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

// A places tranche carries places; a money tranche cents (R11).
void append_carry_over_csv(std::string& out, const CsvDialect& dialect, const Scheme& scheme,
                           const Decision& decision) {
  const bool places = decision.tranche_index < scheme.tranches.size() &&
                      scheme.tranches[decision.tranche_index].counts_places;
  append_csv_text(out, dialect, "carry_over");
  append_csv_text(out, dialect, tranche_name(scheme, decision.tranche_index));
  append_csv_empty(out, dialect, 7);
  append_csv_text(out, dialect, tranche_name(scheme, decision.tranche_index));
  append_csv_text(out, dialect, tranche_name(scheme, decision.to_tranche));
  if (places) {
    append_csv_empty(out, dialect, 2);
    append_csv_number(out, dialect, decision.amount_cents);
  } else {
    append_csv_number(out, dialect, decision.amount_cents);
    append_csv_euros(out, dialect, decision.amount_cents);
    append_csv_empty(out, dialect, 1);
  }
}

}  // namespace

std::string decision_csv_header(const CsvDialect& dialect) {
  std::string header = csv_header_start(dialect);
  append_csv_text(header, dialect, "seq");
  append_received_at_columns(header, dialect);
  for (const std::string_view name :
       {"kind", "tranche", "id", "outcome", "reason", "field", "compartment", "granted_cents",
        "granted_eur", "from", "to", "amount_cents", "amount_eur", "places"}) {
    append_csv_text(header, dialect, name);
  }
  end_csv_row(header, dialect);
  return header;
}

void append_decision_csv(std::string& out, const CsvDialect& dialect, const Scheme& scheme,
                         const JournalRecord& record, const Decision& decision) {
  append_csv_number(out, dialect, static_cast<std::int64_t>(record.sequence));
  append_received_at(out, dialect, scheme.time_zone, record.received_at);
  const std::uint8_t tranche = decision.tranche_index;
  if (decision.kind == Decision::Kind::transfer) {
    append_csv_text(out, dialect, "transfer");
    append_csv_text(out, dialect, tranche_name(scheme, tranche));
    append_csv_empty(out, dialect, 7);
    append_csv_text(out, dialect, compartment_name(scheme, tranche, decision.from_compartment));
    append_csv_text(out, dialect, compartment_name(scheme, tranche, decision.to_compartment));
    append_csv_number(out, dialect, decision.amount_cents);
    append_csv_euros(out, dialect, decision.amount_cents);
    append_csv_empty(out, dialect, 1);
  } else if (decision.kind == Decision::Kind::carry_over) {
    append_carry_over_csv(out, dialect, scheme, decision);
  } else {
    append_csv_text(out, dialect, "application");
    append_csv_text(out, dialect, tranche_name(scheme, tranche));
    append_csv_text(out, dialect, decision.application_id);
    append_csv_text(out, dialect, to_string(decision.outcome));
    append_csv_text(out, dialect, to_string(decision.reason));
    append_csv_text(out, dialect, to_string(decision.field));
    append_csv_text(out, dialect, compartment_name(scheme, tranche, decision.compartment_index));
    append_csv_number(out, dialect, decision.granted_cents);
    append_csv_euros(out, dialect, decision.granted_cents);
    append_csv_empty(out, dialect, 5);
  }
  end_csv_row(out, dialect);
}

}  // namespace loket
