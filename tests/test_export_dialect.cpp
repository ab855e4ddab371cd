// The CSV exports' excel-nl dialect: its exact bytes for a small known journal (BOM, `;`,
// decimal comma, local time beside UTC, a column per activity, partnership party and
// monitoring attribute), and `loket export --dialect` and the server's stream giving the same
// bytes. Every row as wide as its header over generated journals: test_export_dialect_random.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "app/export_command.hpp"
#include "net/export_stream.hpp"
#include "tests/csv_fixture.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using namespace loket::testing;

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
      "zorg;35-44;\"age=37 shoe={\"\"size\"\":44}\"\r\n"
      "2;2021-03-28 01:59:59,999;2021-03-28T00:59:59.999000000Z;submit;t;B-1;;;;;;;;;;;;;;;;;;;;;;;"
      "\"{\"\"sector\"\":\"\r\n"
      "3;2021-03-28 03:00:00,000;2021-03-28T01:00:00.000000000Z;close_day;t;;;;;;;;;;;;;;;;;;"
      "2021-03-27;00c0ffee;;;;;\r\n"
      "4;2021-06-01 10:00:00,000;2021-06-01T08:00:00.000000000Z;submit;t;\"A;2\";;"
      "-9223372036854775808;-92233720368547758,08;;;;;;;;;;;;;participant;;;;;;45-54;"
      "age=30 region=Noord\r\n"
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
  // R11: money carried from t to a later tranche u, and places between two places tranches.
  Scheme scheme = two_compartment_scheme();
  scheme.tranches.push_back(scheme.tranches.front());
  scheme.tranches.back().id = "u";
  for (const std::string_view id : {"p", "q"}) {
    Tranche places;
    places.id = id;
    places.counts_places = true;
    scheme.tranches.push_back(places);
  }
  Decision money_carried;
  money_carried.kind = Decision::Kind::carry_over;
  money_carried.tranche_index = 0;
  money_carried.to_tranche = 1;
  money_carried.amount_cents = INT64_MAX;
  Decision places_carried = money_carried;
  places_carried.tranche_index = 2;
  places_carried.to_tranche = 3;
  places_carried.amount_cents = 55000;
  close.decisions.push_back(money_carried);
  close.decisions.push_back(places_carried);
  const std::string row_start = "1;2022-01-01 00:00:00,000;2021-12-31T23:00:00.000000000Z;";
  CHECK(export_all(ExportKind::decisions_csv, excel_nl_dialect, scheme, journal.records) ==
        "\xEF\xBB\xBF"
        "seq;received_at;received_at_utc;kind;tranche;id;outcome;reason;field;compartment;"
        "granted_cents;granted_eur;from;to;amount_cents;amount_eur;places\r\n" +
            row_start + "application;t;APP-1;granted;;;small;100050;1000,50;;;;;\r\n" + row_start +
            "application;t;;rejected;invalid;amount_cents;;0;0,00;;;;;\r\n" + row_start +
            "transfer;t;;;;;;;;small;large;9223372036854775807;92233720368547758,07;\r\n" +
            row_start + "carry_over;t;;;;;;;;t;u;9223372036854775807;92233720368547758,07;\r\n" +
            row_start + "carry_over;p;;;;;;;;p;q;;;55000\r\n");
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
  CHECK(decisions.find(";transfer;2021;;;;;;;;small;large;917792000;9177920,00;\r\n") !=
        std::string::npos);
}
