// Generated journals with text that needs every kind of care, exported in both CSV dialects:
// every row has as many cells as its header, and the cells that carry text read back as it.
#include <array>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <random>
#include <span>

#include "tests/csv_fixture.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

// Text that needs every kind of care: both dialects' separators, quotes, line breaks, the
// first characters of a formula, and a letter outside ASCII.
std::string awkward_text(std::mt19937_64& random) {
  constexpr std::string_view pieces[] = {"a", "B-1", ";", ",",  "\"", "\r", "\n", "=",
                                         "-", "+",   "@", "\t", " ",  "é",  "1,5"};
  std::string text;
  for (std::uint64_t count = random() % 6; count > 0; --count) {
    text += pieces[random() % std::size(pieces)];
  }
  return text;
}

// Monitoring as a journal may hold it: none, no JSON, JSON but no object, or an object of
// known and unknown attributes with text and numbers (an age among them).
std::string random_monitoring(std::mt19937_64& random) {
  constexpr std::string_view keys[] = {"education", "sector", "age", "age_group", "region", "shoe"};
  switch (random() % 5) {
    case 0:
      return "";
    case 1:
      return R"({"sector":)";
    case 2:
      return "[1,2]";
    default: {
      boost::json::object object;
      for (std::uint64_t count = random() % 5; count > 0; --count) {
        const std::string_view key = keys[random() % std::size(keys)];
        if (random() % 2 == 0) {
          object[key] = static_cast<std::int64_t>(random() % 130) - 5;
        } else {
          object[key] = awkward_text(random);
        }
      }
      return boost::json::serialize(object);
    }
  }
}

std::optional<std::int64_t> random_cents(std::mt19937_64& random) {
  constexpr std::int64_t extremes[] = {INT64_MIN, -1, 0, 1, 12345, INT64_MAX};
  if (random() % 4 == 0) return std::nullopt;
  return random() % 2 == 0 ? extremes[random() % std::size(extremes)]
                           : static_cast<std::int64_t>(random());
}

SubmitCommand random_submit(std::mt19937_64& random, MemoryJournal& journal) {
  SubmitCommand submit;
  submit.tranche_id = journal.keep(awkward_text(random));
  submit.application_id = journal.keep(awkward_text(random));
  if (random() % 2 == 0) submit.participant = ParticipantKey{};
  submit.amount_cents = random_cents(random);
  if (random() % 2 == 0) {
    submit.activity_units.emplace();
    for (std::int64_t& units : *submit.activity_units) units = static_cast<std::int64_t>(random());
  }
  submit.declared_value_cents = random_cents(random);
  if (random() % 2 == 0) submit.partnership = Partnership{true, random() % 2 == 0, false};
  submit.malformed_fields = static_cast<std::uint8_t>(random());
  return submit;
}

Command random_command(std::mt19937_64& random, MemoryJournal& journal) {
  const auto text = [&] { return journal.keep(awkward_text(random)); };
  const std::string_view seed_text = journal.keep(awkward_text(random));
  const std::span<const std::uint8_t> seed(reinterpret_cast<const std::uint8_t*>(seed_text.data()),
                                           seed_text.size());
  switch (random() % 6) {
    case 0:
      return random_submit(random, journal);
    case 1:
      return CloseDayCommand{text(), static_cast<LocalDate>(random() % 100000), seed};
    case 2:
      return CloseCommand{text(), seed};
    case 3:
      return AppealCommand{text(), text(), random_cents(random), text()};
    case 4: {
      CommitSeedCommand commit;
      commit.tranche_id = text();
      return commit;
    }
    default:
      return CheckpointCommand{text()};
  }
}

Decision random_decision(std::mt19937_64& random, MemoryJournal& journal) {
  Decision decision;
  constexpr std::array kinds = {Decision::Kind::application, Decision::Kind::application,
                                Decision::Kind::transfer, Decision::Kind::carry_over};
  decision.kind = kinds[random() % kinds.size()];
  decision.tranche_index = static_cast<std::uint8_t>(random() % 3);  // 2: no such tranche
  decision.application_id = journal.keep(awkward_text(random));
  decision.outcome = static_cast<Outcome>(1 + random() % (outcome_count - 1));
  decision.reason = static_cast<Reason>(random() % reason_count);
  decision.field = static_cast<Field>(random() % field_count);
  decision.compartment_index = static_cast<std::uint8_t>(random() % 3);
  decision.from_compartment = static_cast<std::uint8_t>(random() % 3);
  decision.to_compartment = no_compartment;
  decision.to_tranche = static_cast<std::uint8_t>(random() % 3);
  decision.granted_cents = random_cents(random).value_or(0);
  decision.amount_cents = random_cents(random).value_or(0);
  return decision;
}

// A cell as it was before the formula guard put an apostrophe before it.
std::string unguarded(const std::string& cell) {
  const bool guarded = cell.size() > 1 && cell[0] == '\'' &&
                       std::string_view("=+-@\t\r").find(cell[1]) != std::string_view::npos;
  return guarded ? cell.substr(1) : cell;
}

// Every row as wide as the header, and the cells that carry text read back as that text.
void check_csv_export(ExportKind kind, const CsvDialect& dialect, const MemoryJournal& journal) {
  INFO("dialect " << dialect.name << (kind == ExportKind::events_csv ? " events" : " decisions"));
  std::string text = export_all(kind, dialect, two_compartment_scheme(), journal.records);
  REQUIRE(text.starts_with(utf8_byte_order_mark) == dialect.byte_order_mark);
  if (dialect.byte_order_mark) text.erase(0, utf8_byte_order_mark.size());
  const auto rows = parse_csv(text, dialect.separator);
  // Each row's record, and its decision in the decisions export.
  std::vector<std::pair<const JournalRecord*, const Decision*>> row_sources;
  for (const JournalRecord& record : journal.records) {
    if (kind == ExportKind::events_csv) row_sources.emplace_back(&record, nullptr);
    for (const Decision& decision : record.decisions) {
      if (kind == ExportKind::decisions_csv) row_sources.emplace_back(&record, &decision);
    }
  }
  REQUIRE(rows.size() == 1 + row_sources.size());
  const std::vector<std::string>& header = rows.front();
  const std::size_t utc =
      column_of(header, dialect.spreadsheet_columns ? "received_at_utc" : "received_at");
  const std::size_t id = column_of(header, "id");
  for (std::size_t row = 1; row < rows.size(); ++row) {
    INFO("row " << row);
    REQUIRE(rows[row].size() == header.size());
    const auto [record, decision] = row_sources[row - 1];
    CHECK(rows[row][utc] == format_rfc3339(record->received_at));
    const auto* submit = std::get_if<SubmitCommand>(&record->command);
    if (decision != nullptr && decision->kind == Decision::Kind::application) {
      CHECK(unguarded(rows[row][id]) == decision->application_id);
    } else if (decision == nullptr && submit != nullptr) {
      CHECK(unguarded(rows[row][id]) == submit->application_id);
    }
  }
}

}  // namespace

TEST_CASE("Every CSV row has as many cells as its header in both dialects over random journals") {
  for (int journal_index = 0; journal_index < 20; ++journal_index) {
    const std::uint64_t seed =
        std::uint64_t{Catch::rngSeed()} * 7919 + static_cast<std::uint64_t>(journal_index);
    INFO("journal seed " << seed);
    std::mt19937_64 random(seed);
    MemoryJournal journal;
    for (int index = 0; index < 60; ++index) {
      JournalRecord& record = journal.add("2020-12-01T08:00:00Z", random_command(random, journal));
      record.received_at = static_cast<TimestampNs>(random());  // any instant at all
      if (std::holds_alternative<SubmitCommand>(record.command)) {
        record.monitoring_json = journal.keep(random_monitoring(random));
      }
      for (std::uint64_t count = random() % 4; count > 0; --count) {
        record.decisions.push_back(random_decision(random, journal));
      }
    }
    for (const ExportKind kind : {ExportKind::events_csv, ExportKind::decisions_csv}) {
      check_csv_export(kind, rfc4180_dialect, journal);
      check_csv_export(kind, excel_nl_dialect, journal);
    }
  }
}
