// The CSV exports' excel-nl dialect: its exact bytes for a small known journal (BOM, `;`,
// decimal comma, local time beside UTC, a column per activity, partnership party and
// monitoring attribute), every row as wide as its header in both dialects over generated
// journals, and `loket export --dialect` and the server's stream giving the same bytes.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <deque>
#include <random>
#include <span>

#include "app/export_command.hpp"
#include "net/export_stream.hpp"
#include "storage/csv.hpp"
#include "storage/export_rows.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

// Commands hold views: the texts they point into live here, as long as the records.
struct MemoryJournal {
  std::deque<std::string> texts;
  std::vector<JournalRecord> records;

  std::string_view keep(std::string text) { return texts.emplace_back(std::move(text)); }
  JournalRecord& add(std::string_view received_at, Command command) {
    JournalRecord& record = records.emplace_back();
    record.sequence = records.size();
    record.received_at = *parse_rfc3339(received_at);
    record.command = std::move(command);
    return record;
  }
};

Scheme two_compartment_scheme() {
  Scheme scheme;
  scheme.id = "s";
  scheme.time_zone = TimeZone::europe_amsterdam;
  Tranche tranche;
  tranche.id = "t";
  tranche.compartments = {Compartment{"small", 50, 1, 100, 50},
                          Compartment{"large", 50, 1, 100, 50}};
  scheme.tranches.push_back(tranche);
  return scheme;
}

std::string export_all(ExportKind kind, const CsvDialect& dialect, const Scheme& scheme,
                       const std::vector<JournalRecord>& records) {
  std::string out = export_header(kind, dialect);
  for (const JournalRecord& record : records) {
    append_export_rows(out, kind, dialect, scheme, record);
  }
  return out;
}

// The records of a CSV text, each a list of cells with their quotes undone. REQUIREs RFC 4180
// with this separator: quotes closed, no bare quote or line feed, every record ends in CRLF.
std::vector<std::vector<std::string>> parse_csv(std::string_view text, char separator) {
  std::vector<std::vector<std::string>> records(1);
  std::string cell;
  for (std::size_t at = 0; at < text.size();) {
    if (text[at] == '"') {
      for (++at;; ++at) {
        REQUIRE(at < text.size());
        if (text[at] == '"' && text.substr(at, 2) != "\"\"") break;
        if (text[at] == '"') ++at;
        cell += text[at];
      }
      ++at;
    } else {
      while (at < text.size() && text[at] != separator && text[at] != '\r') {
        REQUIRE(text[at] != '"');
        REQUIRE(text[at] != '\n');
        cell += text[at++];
      }
    }
    REQUIRE(at < text.size());
    records.back().push_back(std::move(cell));
    cell.clear();
    if (text[at] == separator) {
      ++at;
      continue;
    }
    REQUIRE(text.substr(at, 2) == "\r\n");
    at += 2;
    records.emplace_back();
  }
  REQUIRE(records.back().empty());
  records.pop_back();
  return records;
}

}  // namespace

TEST_CASE("CSV dialects: which cells are quoted and how euros are written") {
  const auto cells = [](const CsvDialect& dialect, std::string_view text, std::int64_t cents) {
    std::string row;
    append_csv_text(row, dialect, text);
    append_csv_euros(row, dialect, cents);
    append_csv_number(row, dialect, cents);
    append_csv_empty(row, dialect, 1);
    end_csv_row(row, dialect);
    return row;
  };
  CHECK(cells(excel_nl_dialect, "a;b", -12345) == "\"a;b\";-123,45;-12345;\r\n");
  CHECK(cells(excel_nl_dialect, "a,b", 5) == "a,b;0,05;5;\r\n");
  CHECK(cells(rfc4180_dialect, "a,b", 5) == "\"a,b\",0.05,5,\r\n");
  CHECK(cells(rfc4180_dialect, "a;b", 5) == "a;b,0.05,5,\r\n");
  CHECK(cells(excel_nl_dialect, "say \"hi\"", 0) == "\"say \"\"hi\"\"\";0,00;0;\r\n");
  CHECK(cells(excel_nl_dialect, "two\nlines", 0) == "\"two\nlines\";0,00;0;\r\n");
  CHECK(cells(excel_nl_dialect, "cr\r", 0) == "\"cr\r\";0,00;0;\r\n");
  for (const std::string_view formula : {"=1+1", "+31", "-5", "@SUM(A1)", "\tx", "\rx"}) {
    INFO(formula);
    CHECK(cells(excel_nl_dialect, formula, 0) == fmt::format("\"'{}\";0,00;0;\r\n", formula));
  }
  CHECK(cells(excel_nl_dialect, "-", INT64_MIN) ==
        "\"'-\";-92233720368547758,08;-9223372036854775808;\r\n");
  CHECK(cells(excel_nl_dialect, "", INT64_MAX) == ";92233720368547758,07;9223372036854775807;\r\n");
  CHECK(format_euros(-1, ',') == "-0,01");
  CHECK(csv_dialect_named("excel-nl") == excel_nl_dialect);
  CHECK(csv_dialect_named("rfc4180") == rfc4180_dialect);
  CHECK_FALSE(csv_dialect_named("excel"));
  CHECK_FALSE(csv_dialect_named(""));
}

TEST_CASE("excel-nl events export: the bytes of a small known journal") {
  MemoryJournal journal;
  SubmitCommand winter;
  winter.tranche_id = "t";
  winter.application_id = "APP-1";
  winter.participant = ParticipantKey{};
  winter.participant->fill(0xab);
  winter.amount_cents = -12345;
  winter.activity_units = std::array<std::int64_t, activity_count>{3, 0, 0, 0, 0, 2, 0};
  winter.declared_value_cents = INT64_MAX;
  winter.partnership = Partnership{true, false, true};
  journal.add("2020-12-01T08:00:00.123456789Z", winter).monitoring_json =
      R"({"education":"mbo2","age":37,"sector":"zorg","shoe":{"size":44}})";
  SubmitCommand unreadable;  // monitoring that is no JSON object: kept whole
  unreadable.tranche_id = "t";
  unreadable.application_id = "B-1";
  journal.add("2021-03-28T00:59:59.999Z", unreadable).monitoring_json = R"({"sector":)";
  const std::uint8_t seed[] = {0x00, 0xc0, 0xff, 0xee};
  journal.add("2021-03-28T01:00:00Z", CloseDayCommand{"t", *parse_date("2021-03-27"), seed});
  SubmitCommand summer;  // an id with the separator, a band given twice, an unknown attribute
  summer.tranche_id = "t";
  summer.application_id = "A;2";
  summer.amount_cents = INT64_MIN;
  summer.malformed_fields = field_bit(Field::participant);
  journal.add("2021-06-01T08:00:00Z", summer).monitoring_json =
      R"({"age_group":"45-54","age":30,"region":"Noord"})";
  // The clock goes back at 01:00 UTC: 02:30 local comes twice, an hour apart.
  journal.add("2021-10-31T00:30:00Z", CheckpointCommand{"loket/s\n4\nroot\n"});
  journal.add("2021-10-31T01:30:00Z", AppealCommand{"t", "APP-1", 500, "=HYPERLINK(\"x\";1)"});

  std::string hex_ab;
  for (std::size_t byte = 0; byte < winter.participant->size(); ++byte) hex_ab += "ab";
  const std::string expected =
      "\xEF\xBB\xBF"
      "seq;received_at;received_at_utc;type;tranche;id;participant_hmac;amount_cents;amount_eur;"
      "activity_A_units;activity_B_light_units;activity_B_heavy_units;activity_C1_units;"
      "activity_C2_units;activity_C3_units;activity_D_units;declared_value_cents;"
      "declared_value_eur;employer_org;employee_org;stvda_advice;malformed_fields;date;seed;"
      "reference;education;sector;age_group;monitoring_other\r\n"
      "1;2020-12-01 09:00:00,123;2020-12-01T08:00:00.123456789Z;submit;t;APP-1;" +
      hex_ab +
      ";-12345;-123,45;3;0;0;0;0;2;0;9223372036854775807;92233720368547758,07;1;0;1;;;;;mbo2;"
      "zorg;35-44;\"shoe={\"\"size\"\":44}\"\r\n"
      "2;2021-03-28 01:59:59,999;2021-03-28T00:59:59.999000000Z;submit;t;B-1;;;;;;;;;;;;;;;;;;;;;;;"
      "\"{\"\"sector\"\":\"\r\n"
      "3;2021-03-28 03:00:00,000;2021-03-28T01:00:00.000000000Z;close_day;t;;;;;;;;;;;;;;;;;;"
      "2021-03-27;00c0ffee;;;;;\r\n"
      "4;2021-06-01 10:00:00,000;2021-06-01T08:00:00.000000000Z;submit;t;\"A;2\";;"
      "-9223372036854775808;-92233720368547758,08;;;;;;;;;;;;;participant;;;;;;45-54;"
      "age_group=25-34 region=Noord\r\n"
      "5;2021-10-31 02:30:00,000;2021-10-31T00:30:00.000000000Z;checkpoint;;;;;;;;;;;;;;;;;;;;;"
      "\"loket/s\n4\nroot\n\";;;;\r\n"
      "6;2021-10-31 02:30:00,000;2021-10-31T01:30:00.000000000Z;appeal;t;APP-1;;500;5,00;;;;;;;;"
      ";;;;;;;;\"'=HYPERLINK(\"\"x\"\";1)\";;;;\r\n";
  const Scheme scheme = two_compartment_scheme();
  CHECK(export_all(ExportKind::events_csv, excel_nl_dialect, scheme, journal.records) == expected);
  // The same journal in RFC 4180: no BOM, the packed cells, UTC only.
  const std::string rfc =
      export_all(ExportKind::events_csv, rfc4180_dialect, scheme, journal.records);
  CHECK(rfc.starts_with("seq,received_at,type,tranche,id,participant_hmac,amount_cents,"));
  CHECK(rfc.find(",A=3 C3=2,9223372036854775807,92233720368547758.07,employer=true "
                 "employee=false stvda=true,,,,,\"{\"\"education\"\":") != std::string::npos);
  CHECK(parse_csv(rfc, ',').size() == 7);
}

TEST_CASE("excel-nl decisions export: local time and decimal comma for grants and transfers") {
  MemoryJournal journal;
  JournalRecord& close = journal.add("2021-12-31T23:00:00Z", CloseCommand{"t", {}});
  Decision granted;
  granted.application_id = "APP-1";
  granted.outcome = Outcome::granted;
  granted.compartment_index = 0;
  granted.granted_cents = 100050;
  Decision rejected;
  rejected.reason = Reason::invalid;
  rejected.field = Field::amount_cents;
  Decision transfer;
  transfer.kind = Decision::Kind::transfer;
  transfer.from_compartment = 0;
  transfer.to_compartment = 1;
  transfer.amount_cents = INT64_MAX;
  close.decisions = {granted, rejected, transfer};
  CHECK(export_all(ExportKind::decisions_csv, excel_nl_dialect, two_compartment_scheme(),
                   journal.records) ==
        "\xEF\xBB\xBF"
        "seq;received_at;received_at_utc;kind;tranche;id;outcome;reason;field;compartment;"
        "granted_cents;granted_eur;from;to;amount_cents;amount_eur\r\n"
        "1;2022-01-01 00:00:00,000;2021-12-31T23:00:00.000000000Z;application;t;APP-1;granted;;;"
        "small;100050;1000,50;;;;\r\n"
        "1;2022-01-01 00:00:00,000;2021-12-31T23:00:00.000000000Z;application;t;;rejected;"
        "invalid;amount_cents;;0;0,00;;;;\r\n"
        "1;2022-01-01 00:00:00,000;2021-12-31T23:00:00.000000000Z;transfer;t;;;;;;;;small;large;"
        "9223372036854775807;92233720368547758,07\r\n");
}

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
  decision.kind = random() % 3 == 0 ? Decision::Kind::transfer : Decision::Kind::application;
  decision.tranche_index = static_cast<std::uint8_t>(random() % 3);  // 2: no such tranche
  decision.application_id = journal.keep(awkward_text(random));
  decision.outcome = static_cast<Outcome>(1 + random() % (outcome_count - 1));
  decision.reason = static_cast<Reason>(random() % reason_count);
  decision.field = static_cast<Field>(random() % field_count);
  decision.compartment_index = static_cast<std::uint8_t>(random() % 3);
  decision.from_compartment = static_cast<std::uint8_t>(random() % 3);
  decision.to_compartment = no_compartment;
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

std::size_t column_of(const std::vector<std::string>& header, std::string_view name) {
  const auto found = std::find(header.begin(), header.end(), name);
  REQUIRE(found != header.end());
  return static_cast<std::size_t>(found - header.begin());
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

namespace {

std::string excel_nl_export(const std::string& data_path, const std::string& what,
                            const TempFolder& folder) {
  const std::string out = folder.path(what + ".excel-nl.csv");
  std::FILE* errors = std::tmpfile();
  const int exit_code = run_export(ExportOptions{data_path, what, "csv", out, "excel-nl"}, errors);
  std::fclose(errors);
  REQUIRE(exit_code == 0);
  return read_text(out);
}

}  // namespace

TEST_CASE("loket export --dialect: a usage error exits 2 and names what to fix", "[process]") {
  TempFolder folder("dialect-usage");
  const std::string data = folder.path("no-journal");  // the options are checked first
  const LoketRun jsonl =
      run_loket({"export", "--data", data, "--what", "events", "--dialect", "excel-nl"});
  CHECK(jsonl.exit_code == 2);
  CHECK(jsonl.output ==
        "loket export: --dialect applies to CSV only: add --format csv or leave --dialect out\n");
  const LoketRun named_jsonl =
      run_loket({"export", "--data", data, "--format", "jsonl", "--dialect", "rfc4180"});
  CHECK(named_jsonl.exit_code == 2);
  CHECK_THAT(named_jsonl.output, Catch::Contains("--dialect applies to CSV only"));
  const LoketRun unknown =
      run_loket({"export", "--data", data, "--format", "csv", "--dialect", "excel"});
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, Catch::Contains("--dialect"));
  // The same checks when run_export is called as a library, without CLI11 in front.
  std::FILE* errors = std::tmpfile();
  CHECK(run_export(ExportOptions{data, "events", "csv", "", "excel"}, errors) == 2);
  std::rewind(errors);
  char buffer[256] = {};
  const std::size_t read = std::fread(buffer, 1, sizeof(buffer) - 1, errors);
  std::fclose(errors);
  CHECK(std::string(buffer, read) ==
        "loket export: --dialect must be rfc4180 or excel-nl, not 'excel'\n");
}

TEST_CASE("excel-nl export: the CLI and the server's stream give the same bytes and columns",
          "[process]") {
  TempFolder folder("dialect-export");
  const std::string data = folder.path("journal");
  allocate_into(source_path("schemes/sectoraal-maatwerk-2021.toml"),
                source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), data);
  const std::string events = excel_nl_export(data, "events", folder);
  const std::string decisions = excel_nl_export(data, "decisions", folder);
  // The real executable passes --dialect on.
  const std::string out = folder.path("cli-events.csv");
  const LoketRun cli = run_loket({"export", "--data", data, "--what", "events", "--format", "csv",
                                  "--dialect", "excel-nl", "--out", out});
  INFO(cli.output);
  REQUIRE(cli.exit_code == 0);
  CHECK(read_text(out) == events);

  JournalOpenResult opened = Journal::open(data, JournalOptions{{}, nullptr, false});
  REQUIRE(opened.ok());
  for (const auto& [kind, expected] : {std::pair{ExportKind::events_csv, events},
                                       std::pair{ExportKind::decisions_csv, decisions}}) {
    for (const std::size_t chunk_bytes : {std::size_t{1}, std::size_t{700}, std::size_t{1} << 20}) {
      ExportStream stream(*opened->journal, kind, excel_nl_dialect, 37);
      std::string streamed;
      while (stream.next_chunk(streamed, chunk_bytes)) {
      }
      CHECK_FALSE(stream.problem());
      CHECK(streamed == expected);
    }
  }

  REQUIRE(events.starts_with(utf8_byte_order_mark));
  const auto rows = parse_csv(events.substr(utf8_byte_order_mark.size()), ';');
  CHECK(rows.size() == 38);  // the header and 37 events
  const std::vector<std::string>& header = rows.front();
  std::size_t sectors = 0;
  std::size_t with_activities = 0;
  for (std::size_t row = 1; row < rows.size(); ++row) {
    const auto cell = [&](std::string_view column) { return rows[row][column_of(header, column)]; };
    sectors += cell("sector") == "bouw" ? 1u : 0u;
    with_activities += cell("activity_A_units").empty() ? 0u : 1u;
    CHECK((cell("employer_org").empty() || cell("employer_org") == "1" ||
           cell("employer_org") == "0"));
    CHECK(cell("received_at").starts_with("2021-"));
    CHECK(cell("received_at").size() == std::string_view("2021-03-01 09:00:00,000").size());
  }
  CHECK(sectors == 1);
  CHECK(with_activities == 15);  // every event with activities
  CHECK(decisions.find(";transfer;2021;;;;;;;;small;large;917792000;9177920,00\r\n") !=
        std::string::npos);
}
