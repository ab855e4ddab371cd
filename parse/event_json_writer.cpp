// The writing half of parse/event_json.hpp: events and decisions as JSON lines, exactly as
// the reader takes them back (an export allocates again to the same journal).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "engine/civil_time.hpp"
#include "engine/crypto.hpp"
#include "parse/event_json.hpp"

namespace loket {

namespace json = boost::json;

void append_decision_json(std::string& out, const Scheme& scheme, Sequence sequence,
                          const Decision& decision) {
  if (decision.kind == Decision::Kind::transfer) {
    const Tranche& tranche = scheme.tranches.at(decision.tranche_index);
    fmt::format_to(std::back_inserter(out),
                   "{{\"type\":\"transfer\",\"seq\":{},\"tranche\":\"{}\",\"from\":\"{}\","
                   "\"to\":\"{}\",\"amount_cents\":{}}}\n",
                   sequence, tranche.id, tranche.compartments.at(decision.from_compartment).id,
                   tranche.compartments.at(decision.to_compartment).id, decision.amount_cents);
    return;
  }
  if (decision.kind == Decision::Kind::carry_over) {
    const Tranche& from = scheme.tranches.at(decision.tranche_index);
    fmt::format_to(std::back_inserter(out),
                   "{{\"type\":\"carry_over\",\"seq\":{},\"from_tranche\":\"{}\","
                   "\"to_tranche\":\"{}\",\"{}\":{}}}\n",
                   sequence, from.id, scheme.tranches.at(decision.to_tranche).id,
                   from.counts_places ? "places" : "amount_cents", decision.amount_cents);
    return;
  }
  // Appended piece by piece rather than formatted: every decision's line is a leaf of the
  // decision tree, made on the writer thread (bench/decision_tree_bench.cpp). Ids, reasons and
  // compartment names are restricted to characters that need no escaping.
  const auto quoted_or_null = [&out](std::string_view text) {
    if (text.empty()) {
      out += "null";
      return;
    }
    out += '"';
    out += text;
    out += '"';
  };
  out += "{\"seq\":";
  const fmt::format_int sequence_text(sequence);
  out.append(sequence_text.data(), sequence_text.size());
  out += ",\"id\":";
  quoted_or_null(decision.application_id);
  out += ",\"outcome\":\"";
  out += to_string(decision.outcome);
  out += "\",\"reason\":";
  quoted_or_null(decision.reason == Reason::none ? "" : to_string(decision.reason));
  if (decision.reason == Reason::invalid) {
    out += ",\"field\":\"";
    out += to_string(decision.field);
    out += '"';
  }
  out += ",\"compartment\":";
  quoted_or_null(decision.compartment_index == no_compartment
                     ? std::string_view()
                     : std::string_view(scheme.tranches.at(decision.tranche_index)
                                            .compartments.at(decision.compartment_index)
                                            .id));
  out += ",\"granted_cents\":";
  const fmt::format_int granted_text(decision.granted_cents);
  out.append(granted_text.data(), granted_text.size());
  out += "}\n";
}

namespace {

void append_optional_cents(std::string& out, std::string_view key, bool malformed,
                           const std::optional<std::int64_t>& cents) {
  if (malformed) {
    fmt::format_to(std::back_inserter(out), ",\"{}\":\"malformed\"", key);
  } else if (cents) {
    fmt::format_to(std::back_inserter(out), ",\"{}\":{}", key, *cents);
  }
}

void append_submit_json(std::string& out, const SubmitCommand& submit) {
  auto back = std::back_inserter(out);
  const auto malformed = [&](Field field) {
    return (submit.malformed_fields & field_bit(field)) != 0;
  };
  fmt::format_to(back, ",\"tranche\":{}", json::serialize(json::string(submit.tranche_id)));
  if (malformed(Field::id)) {
    out += ",\"id\":false";
  } else if (!submit.application_id.empty()) {
    fmt::format_to(back, ",\"id\":{}", json::serialize(json::string(submit.application_id)));
  }
  if (malformed(Field::participant)) {
    out += ",\"participant\":\"\"";
  } else if (submit.participant) {
    fmt::format_to(back, ",\"participant_hmac\":\"{}\"", to_hex(*submit.participant));
  }
  append_optional_cents(out, "amount_cents", malformed(Field::amount_cents), submit.amount_cents);
  if (malformed(Field::activities)) {
    out += ",\"activities\":\"malformed\"";
  } else if (submit.activity_units) {
    out += ",\"activities\":{";
    for (std::size_t index = 0; index < activity_count; ++index) {
      fmt::format_to(back, "{}\"{}\":{}", index == 0 ? "" : ",", activity_names[index],
                     (*submit.activity_units)[index]);
    }
    out += "}";
  }
  append_optional_cents(out, "declared_value_cents", malformed(Field::declared_value_cents),
                        submit.declared_value_cents);
  if (malformed(Field::partnership)) {
    out += ",\"partnership\":\"malformed\"";
  } else if (submit.partnership) {
    fmt::format_to(back,
                   R"(,"partnership":{{"employer_org":{},"employee_org":{},"stvda_advice":{}}})",
                   submit.partnership->employer_org, submit.partnership->employee_org,
                   submit.partnership->stvda_advice);
  }
}

std::string_view seed_text(std::span<const std::uint8_t> seed, std::string& buffer) {
  buffer = to_hex(seed);
  return buffer;
}

}  // namespace

void append_event_json(std::string& out, Sequence sequence, TimestampNs received_at,
                       const Command& command, std::string_view monitoring_json) {
  auto back = std::back_inserter(out);
  std::string seed;
  const auto tranche = [](std::string_view id) { return json::serialize(json::string(id)); };
  if (const auto* submit = std::get_if<SubmitCommand>(&command)) {
    fmt::format_to(back, R"({{"type":"submit","seq":{},"received_at":"{}")", sequence,
                   format_rfc3339(received_at));
    append_submit_json(out, *submit);
    if (!monitoring_json.empty()) fmt::format_to(back, ",\"monitoring\":{}", monitoring_json);
  } else if (const auto* close_day = std::get_if<CloseDayCommand>(&command)) {
    fmt::format_to(back,
                   R"({{"type":"close_day","seq":{},"received_at":"{}","tranche":{},"date":"{}")",
                   sequence, format_rfc3339(received_at), tranche(close_day->tranche_id),
                   format_date(close_day->date));
    if (!close_day->seed.empty()) {
      fmt::format_to(back, ",\"seed\":\"{}\"", seed_text(close_day->seed, seed));
    }
  } else if (const auto* close = std::get_if<CloseCommand>(&command)) {
    fmt::format_to(back, R"({{"type":"close","seq":{},"received_at":"{}","tranche":{})", sequence,
                   format_rfc3339(received_at), tranche(close->tranche_id));
    if (!close->seed.empty())
      fmt::format_to(back, ",\"seed\":\"{}\"", seed_text(close->seed, seed));
  } else if (const auto* commit = std::get_if<CommitSeedCommand>(&command)) {
    fmt::format_to(back,
                   R"({{"type":"commit_seed","seq":{},"received_at":"{}","tranche":{},)"
                   R"("commitment":"{}","draws":{})",
                   sequence, format_rfc3339(received_at), tranche(commit->tranche_id),
                   to_hex(commit->commitment), commit->draws);
    if (commit->nonce) fmt::format_to(back, R"(,"nonce":"{}")", to_hex(*commit->nonce));
  } else if (const auto* checkpoint = std::get_if<CheckpointCommand>(&command)) {
    fmt::format_to(back, R"({{"type":"checkpoint","seq":{},"received_at":"{}","note":{})", sequence,
                   format_rfc3339(received_at), json::serialize(json::string(checkpoint->note)));
  } else {
    const auto& appeal = std::get<AppealCommand>(command);
    fmt::format_to(back, R"({{"type":"appeal","seq":{},"received_at":"{}","tranche":{},"id":{})",
                   sequence, format_rfc3339(received_at), tranche(appeal.tranche_id),
                   json::serialize(json::string(appeal.application_id)));
    if (appeal.amount_cents) fmt::format_to(back, ",\"amount_cents\":{}", *appeal.amount_cents);
    fmt::format_to(back, ",\"reference\":{}", json::serialize(json::string(appeal.reference)));
  }
  out += "}\n";
}

}  // namespace loket
