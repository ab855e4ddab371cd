// Export round-trips through allocate, over random scenarios; the report shows the totals.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <map>

#include "app/export_command.hpp"
#include "app/report_html.hpp"
#include "core/local_log.hpp"
#include "core/sequencer.hpp"
#include "net/export_stream.hpp"
#include "storage/csv.hpp"
#include "testing/journal_tamper.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/scenario.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

constexpr int scenario_count = 20;

std::string export_text(const std::string& data_path, const std::string& what,
                        const std::string& format, const TempFolder& folder) {
  const std::string out = folder.path(fmt::format("{}.{}", what, format));
  std::FILE* errors = std::tmpfile();
  const int exit_code = run_export(ExportOptions{data_path, what, format, out}, errors);
  std::fclose(errors);
  REQUIRE(exit_code == 0);
  return read_text(out);
}

// The scenario's accepted events, numbered, plus submissions with malformed fields.
std::string numbered_events(const Scenario& scenario) {
  Harness harness(scenario.scheme_toml);
  std::string lines;
  std::uint64_t sequence = 0;
  const auto keep = [&](std::string_view event) {
    if (!harness.try_apply(event)) return;
    lines += fmt::format("{{\"seq\":{},{}\n", ++sequence, event.substr(1));
  };
  for (std::size_t index = 0; index < scenario.events.size(); ++index) {
    if (index % 17 == 3) {
      const std::string received_at = std::string(
          scenario.events[index].substr(scenario.events[index].find("received_at") + 14, 30));
      keep(fmt::format(
          R"({{"type":"submit","received_at":"{}","tranche":"t0","id":"BAD-{}","participant":"","amount_cents":"x","activities":[],"partnership":1,"monitoring":{{"age":"55+"}}}})",
          received_at, index));
      keep(fmt::format(R"({{"type":"submit","received_at":"{}","tranche":"t0","id":{}}})",
                       received_at, index));
    }
    keep(scenario.events[index]);
  }
  return lines;
}

}  // namespace

TEST_CASE("Allocating an export reproduces the journal's decisions, byte for byte", "[process]") {
  for (int index = 0; index < scenario_count; ++index) {
    const std::uint64_t seed =
        std::uint64_t{Catch::rngSeed()} * 7919 + static_cast<std::uint64_t>(index);
    std::mt19937_64 random(seed);
    const Scenario scenario = random_scenario(
        random,
        ScenarioOptions{.with_appeals = true, .submissions_max = 150, .windows_percent = 30});
    INFO("scenario seed " << seed);
    TempFolder folder("roundtrip");
    const std::string scheme = folder.write("scheme.toml", scenario.scheme_toml);
    const std::string events = folder.write("events.jsonl", numbered_events(scenario));
    const std::string first = allocate_into(scheme, events, folder.path("journal"));
    const std::string journal_decisions =
        export_text(folder.path("journal"), "decisions", "jsonl", folder);
    REQUIRE(journal_decisions == first);

    const std::string exported = export_text(folder.path("journal"), "events", "jsonl", folder);
    const std::string exported_path = folder.write("exported.jsonl", exported);
    const std::string again = allocate_into(scheme, exported_path, folder.path("journal-2"));
    REQUIRE(again == journal_decisions);
    // And the export of the second journal is the same events again.
    REQUIRE(export_text(folder.path("journal-2"), "events", "jsonl", folder) == exported);
  }
}

TEST_CASE("CSV exports have a header, quote what needs quoting and give euros", "[process]") {
  TempFolder folder("csv");
  allocate_into(source_path("schemes/sectoraal-maatwerk-2021.toml"),
                source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), folder.path("journal"));
  const std::string decisions = export_text(folder.path("journal"), "decisions", "csv", folder);
  CHECK(decisions.starts_with(
      "seq,received_at,kind,tranche,id,outcome,reason,field,compartment,"
      "granted_cents,granted_eur,from,to,amount_cents,amount_eur,places\r\n"));
  CHECK(decisions.find("transfer,2021,,,,,,,,small,large,917792000,9177920.00,\r\n") !=
        std::string::npos);
  CHECK(decisions.find(",SM-2021-905,rejected,invalid,amount_cents,,0,0.00,,,,,\r\n") !=
        std::string::npos);
  const std::string events = export_text(folder.path("journal"), "events", "csv", folder);
  CHECK(events.find(R"("{""sector"":""bouw""}")") != std::string::npos);
  std::size_t rows = 0;
  for (const char c : events) rows += c == '\n' ? 1 : 0;
  CHECK(rows == 38);  // header and 37 events
}

TEST_CASE("The report shows the scheme's totals and the verification", "[process]") {
  TempFolder folder("report");
  allocate_into(source_path("schemes/sectoraal-maatwerk-2021.toml"),
                source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), folder.path("journal"));
  const auto data = gather_report(folder.path("journal"));
  REQUIRE(data);
  const std::string html = render_report_html(*data, ReportSettings{});
  const auto shows = [&](std::int64_t cents) {
    return html.find(euros_text(ReportLanguage::en, cents)) != std::string::npos;
  };
  CHECK(html.find("Verified: 37 records") != std::string::npos);
  CHECK(shows(7'150'000'000));  // the cap
  CHECK(shows(1'430'000'000));  // small's share
  CHECK(shows(917'792'000));    // the transfer
  CHECK(shows(322'208'000));    // unmet in large
  CHECK(html.find(to_hex(data->summary.head_hash)) != std::string::npos);
  CHECK(data->outcomes[static_cast<std::size_t>(Outcome::granted)] == 28);
  CHECK(data->outcomes[static_cast<std::size_t>(Outcome::rejected)] == 8);
  CHECK(data->monitoring.at("sector").at("bouw")[static_cast<std::size_t>(Outcome::granted)] == 1);
  // A journal from `loket allocate` has a decision tree but no checkpoint: the report says so.
  CHECK(data->tree.decisions ==
        lines_of(export_text(folder.path("journal"), "decisions", "jsonl", folder)).size());
  CHECK(data->tree.decisions > 30);
  CHECK(data->tree.checkpoints_journaled == 0);
  CHECK(html.find("No checkpoint was journaled") != std::string::npos);
  // Self-contained: nothing is loaded from elsewhere.
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http") == std::string::npos);
  CHECK(html.find("@media print") != std::string::npos);
}

TEST_CASE("Carry-overs show in the report and the CSV, with each window's budget", "[process]") {
  TempFolder folder("report-carry-over");
  allocate_into(source_path("schemes/stap-tijdvakken-2023.toml"),
                source_path("docs/examples/stap-tijdvakken-2023.jsonl"), folder.path("journal"));
  const auto data = gather_report(folder.path("journal"));
  REQUIRE(data);
  REQUIRE(data->carry_overs.size() == 2);
  CHECK(data->carry_overs[0].sequence == 14);
  CHECK(data->carry_overs[0].to == "w2");
  CHECK(data->carry_overs[0].units == 115150);
  // A carry-over is no application: the outcomes count submissions only.
  CHECK(data->outcomes[static_cast<std::size_t>(Outcome::granted)] == 12);
  CHECK(data->outcomes[static_cast<std::size_t>(Outcome::rejected)] == 4);
  const std::string html = render_report_html(*data, ReportSettings{});
  CHECK(html.find("<table id=carry-overs>") != std::string::npos);
  const auto euros = [](std::int64_t cents) { return euros_text(ReportLanguage::en, cents); };
  CHECK(html.find(fmt::format("<td>w1</td><td>w2</td><td class=n>{}</td>", euros(115150))) !=
        std::string::npos);
  // w2: EUR 4,000 configured, 1,151.50 in, 156.50 out: EUR 4,995 with carry-over.
  CHECK(html.find(fmt::format("<td class=n>{} / {}</td><td class=n>{}</td>", euros(115150),
                              euros(15650), euros(499500))) != std::string::npos);
  const std::string dutch = render_report_html(*data, ReportSettings{ReportLanguage::nl, 0});
  CHECK(dutch.find("Overgedragen tussen tijdvakken") != std::string::npos);
  const std::string decisions = export_text(folder.path("journal"), "decisions", "csv", folder);
  CHECK(decisions.find("carry_over,w1,,,,,,,,w1,w2,115150,1151.50,\r\n") != std::string::npos);
}

TEST_CASE("A lottery close that serves another window ranks only its own draw", "[process]") {
  // m1's window lottery closes a day late into m2, where B-1 waits: B-1 is served in the
  // close's record, but was never in m1's draw.
  TempFolder folder("report-carry-over-draw");
  const std::string scheme = folder.write("scheme.toml", R"(
[scheme]
id = "draw"
name = "Draw"
unique_participant = "tranche"
[[tranche]]
id = "m1"
opens_at = "2023-01-01T08:00:00Z"
closes_at = "2023-02-01T08:00:00Z"
budget_cents = 10000
ranking = "window_lottery"
fit = "partial"
spillover = "none"
carry_over_to = "m2"
[[tranche]]
id = "m2"
opens_at = "2023-02-01T08:00:00Z"
closes_at = "2023-03-01T08:00:00Z"
budget_cents = 1000
ranking = "arrival"
fit = "skip"
spillover = "none"
)");
  const std::string events = folder.write(
      "events.jsonl",
      R"({"type":"submit","seq":1,"received_at":"2023-01-02T08:00:00Z","tranche":"m1","id":"A-1","participant":"p1","amount_cents":3000}
{"type":"submit","seq":2,"received_at":"2023-02-02T08:00:00Z","tranche":"m2","id":"B-1","participant":"p2","amount_cents":5000}
{"type":"close","seq":3,"received_at":"2023-02-02T09:00:00Z","tranche":"m1","seed":"01"}
)");
  const std::string decisions = allocate_into(scheme, events, folder.path("journal"));
  REQUIRE(decisions.find(R"({"seq":3,"id":"B-1","outcome":"granted")") != std::string::npos);
  const auto data = gather_report(folder.path("journal"));
  REQUIRE(data);
  REQUIRE(data->draws.size() == 1);
  CHECK(data->draws[0].tranche == "m1");
  CHECK(data->draws[0].decided == 1);
  CHECK(data->draws[0].ranked == std::vector<std::string>{"A-1"});
}

TEST_CASE("The server's export stream gives the offline export's bytes, and stops at damage",
          "[process]") {
  TempFolder folder("export-stream");
  const std::string data = folder.path("journal");
  allocate_into(source_path("schemes/sectoraal-maatwerk-2021.toml"),
                source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), data);
  std::map<ExportKind, std::string> offline = {
      {ExportKind::events_jsonl, export_text(data, "events", "jsonl", folder)},
      {ExportKind::events_csv, export_text(data, "events", "csv", folder)},
      {ExportKind::decisions_jsonl, export_text(data, "decisions", "jsonl", folder)},
      {ExportKind::decisions_csv, export_text(data, "decisions", "csv", folder)}};
  JournalOpenResult opened = Journal::open(data, JournalOptions{{}, nullptr, false});
  REQUIRE(opened.ok());
  const auto stream_all = [&](ExportKind kind, std::uint64_t through, std::size_t chunk_bytes,
                              std::optional<JournalProblem>& problem) {
    ExportStream stream(*opened->journal, kind, rfc4180_dialect, through);
    std::string out;
    std::size_t chunks = 0;
    while (stream.next_chunk(out, chunk_bytes)) ++chunks;
    problem = stream.problem();
    return std::pair{out, chunks};
  };
  std::optional<JournalProblem> problem;
  for (const auto& [kind, expected] : offline) {
    for (std::size_t chunk_bytes : {std::size_t{1}, std::size_t{700}, std::size_t{1} << 20}) {
      const auto [out, chunks] = stream_all(kind, 37, chunk_bytes, problem);
      CHECK_FALSE(problem);
      CHECK(out == expected);
      CHECK(chunks >= (chunk_bytes == 1 ? 37u : 1u));
    }
  }
  // Only the records that were durable when the request came.
  const auto [first_ten, chunks] = stream_all(ExportKind::events_jsonl, 10, 1 << 20, problem);
  CHECK_FALSE(problem);
  CHECK(std::count(first_ten.begin(), first_ten.end(), '\n') == 10);
  CHECK(offline[ExportKind::events_jsonl].starts_with(first_ten));
  // A record that should be there and is not, and a damaged one, end the stream early.
  stream_all(ExportKind::events_jsonl, 40, 1 << 20, problem);
  REQUIRE(problem);
  CHECK(problem->sequence == 38);
  std::string damaged;
  for (auto cursor = opened->journal->records(20); cursor.valid(); cursor.next()) {
    damaged.assign(reinterpret_cast<const char*>(cursor.bytes().data()), cursor.bytes().size());
    break;
  }
  damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 1);
  REQUIRE(overwrite_record(*opened->journal, 20, damaged).is_ok());
  const auto [before_damage, ignored] = stream_all(ExportKind::events_jsonl, 37, 1, problem);
  REQUIRE(problem);
  CHECK(problem->sequence == 20);
  CHECK(std::count(before_damage.begin(), before_damage.end(), '\n') == 19);
}

TEST_CASE("Euros are written exactly for every int64, the extremes included") {
  CHECK(format_euros(INT64_MIN) == "-92233720368547758.08");
  CHECK(format_euros(INT64_MIN + 1) == "-92233720368547758.07");
  CHECK(format_euros(-1) == "-0.01");
  CHECK(format_euros(0) == "0.00");
  CHECK(format_euros(1) == "0.01");
  CHECK(format_euros(INT64_MAX) == "92233720368547758.07");
  std::string row;
  append_csv_euros(row, rfc4180_dialect, INT64_MIN);
  append_csv_number(row, rfc4180_dialect, INT64_MIN);
  end_csv_row(row, rfc4180_dialect);
  CHECK(row == "-92233720368547758.08,-9223372036854775808\r\n");
}

namespace {

constexpr std::string_view money_scheme = R"(
[scheme]
id = "extremes"
name = "Extremes"
unique_participant = "scheme"
[[tranche]]
id = "t"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-01T08:00:00Z"
budget_cents = 100000
ranking = "arrival"
fit = "partial"
spillover = "none"
)";

// A journal of submissions with every extreme amount and declared value, decided by the
// allocator and written as the server writes them.
void write_extreme_journal(const std::string& path) {
  JournalOpenResult opened =
      Journal::open(path, JournalOptions{std::string(money_scheme), nullptr, false});
  REQUIRE(opened.ok());
  Sequencer sequencer(std::make_unique<Allocator>(scheme_from_toml(money_scheme)),
                      std::make_unique<LocalLog>(*opened->journal, GroupCommitLimits{}, nullptr, 0),
                      new_journal_summary(money_scheme));
  const std::vector<std::int64_t> extremes = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, 500, INT64_MAX};
  for (std::size_t index = 0; index < 2 * extremes.size(); ++index) {
    const std::uint64_t sequence = index + 1;
    const std::string id = fmt::format("X-{}", sequence);  // outlives the command's view
    SubmitCommand submit;
    submit.tranche_id = "t";
    submit.application_id = id;
    ParticipantKey participant{};
    participant[0] = static_cast<std::uint8_t>(sequence);
    submit.participant = participant;
    const std::int64_t extreme = extremes[index % extremes.size()];
    (index < extremes.size() ? submit.amount_cents : submit.declared_value_cents) = extreme;
    const TimestampNs at = 1'606'809'600'000'000'000 + static_cast<TimestampNs>(sequence);
    REQUIRE(sequencer.apply(submit, at).refusal == Refusal::none);
  }
  sequencer.log()->flush();
  REQUIRE(sequencer.log()->wait_durable(sequencer.last_sequence()).is_ok());
}

}  // namespace

TEST_CASE("Extreme amounts in a journal export, report and audit like any other", "[process]") {
  TempFolder folder("extremes");
  const std::string data = folder.path("journal");
  write_extreme_journal(data);
  for (const std::string what : {"events", "decisions"}) {
    for (const std::string format : {"csv", "jsonl"}) {
      const std::string out = folder.path(what + "." + format);
      const auto [exit_code, log] =
          run_loket({"export", "--data", data, "--what", what, "--format", format, "--out", out});
      INFO(what << " " << format << ": " << log);
      CHECK(exit_code == 0);
      if (what == "events") {
        CHECK(read_text(out).find(format == "csv" ? "-9223372036854775808,-92233720368547758.08,"
                                                  : R"("amount_cents":-9223372036854775808)") !=
              std::string::npos);
        CHECK(read_text(out).find(format == "csv"
                                      ? "9223372036854775807,92233720368547758.07,"
                                      : R"("declared_value_cents":9223372036854775807)") !=
              std::string::npos);
      }
    }
  }
  const LoketRun report =
      run_loket({"report", "--data", data, "--out", folder.path("report.html")});
  INFO(report.output);
  CHECK(report.exit_code == 0);
  CHECK(read_text(folder.path("report.html")).find("Verified: 14 records") != std::string::npos);
  const LoketRun audit = run_loket({"audit", "--data", data});
  INFO(audit.output);
  CHECK(audit.exit_code == 0);
}
