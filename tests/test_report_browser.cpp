// The auditor's report as a browser shows and prints it: rendered in Debian's headless
// Chromium, its figures read from the page and checked against the journal's own export.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "app/report_data.hpp"
#include "tests/headless_chromium.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {
namespace {

namespace json = boost::json;

constexpr int rush_submissions = 40;     // one a millisecond, for a tranche of 20 places
constexpr int lottery_submissions = 12;  // on one day, for 5 places

constexpr std::string_view report_scheme = R"(
[scheme]
id = "report-browser"
name = "Rapport in de browser"
unique_participant = "scheme"
[[tranche]]
id = "snel"
opens_at = "2021-03-26T08:00:00Z"
closes_at = "2021-04-30T08:00:00Z"
places = 20
ranking = "arrival"
[[tranche]]
id = "loting"
opens_at = "2021-03-26T08:00:00Z"
closes_at = "2021-04-30T08:00:00Z"
places = 5
ranking = "same_day_lottery"
)";

// A rush of rush_submissions, one a millisecond, then a lottery day and its close. Every
// submission carries monitoring with a numeric age, counted in its band by the report.
std::string report_events() {
  std::string events;
  int sequence = 0;
  const auto submit = [&](std::string_view tranche, int index, std::string_view received_at) {
    fmt::format_to(std::back_inserter(events),
                   R"({{"type":"submit","seq":{},"received_at":"{}","tranche":"{}","id":"{}-{}",)"
                   R"("participant":"p-{}-{}","monitoring":{{"sector":"{}","age":{}}}}})"
                   "\n",
                   ++sequence, received_at, tranche, tranche, index, tranche, index,
                   index % 3 == 0 ? "zorg" : "bouw", 18 + index);
  };
  for (int index = 0; index < rush_submissions; ++index) {
    submit("snel", index, fmt::format("2021-03-26T08:00:00.{:03}Z", index));
  }
  for (int index = 0; index < lottery_submissions; ++index) {
    submit("loting", index, fmt::format("2021-03-26T09:{:02}:00Z", index));
  }
  fmt::format_to(std::back_inserter(events),
                 R"({{"type":"close_day","seq":{},"received_at":"2021-03-27T08:00:00Z",)"
                 R"("tranche":"loting","date":"2021-03-26","seed":"00c0ffee"}})"
                 "\n",
                 ++sequence);
  return events;
}

struct JournalFigures {
  std::map<std::string, std::uint64_t> outcomes;    // final outcome -> applications
  std::map<std::string, std::uint64_t> age_groups;  // band -> applications
  std::vector<std::string> lottery_rank_order;      // ids of the close_day record, in order
};

// The figures the report must show, from `loket export` of the journal and the events.
JournalFigures figures_of(const std::string& data, const TempFolder& folder) {
  JournalFigures figures;
  const std::string decisions_path = folder.path("decisions.jsonl");
  REQUIRE(run_loket({"export", "--data", data, "--what", "decisions", "--out", decisions_path})
              .exit_code == 0);
  std::map<std::string, std::string> final_outcome;
  const std::uint64_t close_sequence = rush_submissions + lottery_submissions + 1;
  for (const std::string& line : lines_of(read_text(decisions_path))) {
    const json::object decision = json::parse(line).as_object();
    const std::string id(decision.at("id").as_string());
    final_outcome[id] = std::string(decision.at("outcome").as_string());
    if (decision.at("seq").to_number<std::uint64_t>() == close_sequence) {
      figures.lottery_rank_order.push_back(id);
    }
  }
  for (const auto& [id, outcome] : final_outcome) figures.outcomes[outcome] += 1;
  for (const std::string& line : lines_of(report_events())) {
    const json::object event = json::parse(line).as_object();
    if (event.at("type") != "submit") continue;
    // The bands written out here, not taken from parse/monitoring.
    const std::int64_t age = event.at("monitoring").at("age").as_int64();
    figures.age_groups[age < 25   ? "0-24"
                       : age < 35 ? "25-34"
                       : age < 45 ? "35-44"
                       : age < 55 ? "45-54"
                                  : "55+"] += 1;
  }
  return figures;
}

std::uint64_t page_count(HeadlessChromium& browser, const std::string& selector) {
  return browser
      .evaluate(fmt::format("Number(document.querySelector(\"{}\").dataset.count)", selector))
      .to_number<std::uint64_t>();
}

}  // namespace

TEST_CASE(
    "The report renders in Chromium and shows the journal's figures in Dutch and prints on A4",
    "[process][report][browser]") {
  TempFolder folder("report-browser");
  const std::string data = folder.path("journal");
  allocate_into(folder.write("scheme.toml", report_scheme),
                folder.write("events.jsonl", report_events()), data);
  const std::string report = folder.path("rapport.html");
  REQUIRE(run_loket({"report", "--data", data, "--out", report, "--lang", "nl"}).exit_code == 0);
  const JournalFigures figures = figures_of(data, folder);

  std::filesystem::create_directories(folder.path("profile"));
  HeadlessChromium browser(folder.path("profile"));
  browser.navigate("file://" + report);
  CHECK(browser.evaluate("document.documentElement.lang") == "nl");
  CHECK(browser.evaluate("document.querySelector('#verification').className") == "ok");
  // The summary, against the final outcome of every application in the export.
  std::uint64_t applications = 0;
  for (const auto& [outcome, count] : figures.outcomes) {
    CHECK(page_count(browser, fmt::format("#summary td[data-outcome='{}']", outcome)) == count);
    applications += count;
  }
  CHECK(applications == rush_submissions + lottery_submissions);
  CHECK(page_count(browser, "#summary td[data-count]") == applications);
  CHECK(figures.outcomes.at("granted") == 25);
  // The rush: the 20th place went at 8:00:00.019 UTC, 9:00:00,019 in Amsterdam (CET).
  CHECK(browser.evaluate("document.querySelector(\"#timeline tr[data-tranche='snel']\")"
                         ".cells[4].textContent") == "2021-03-26 09:00:00,019 (UTC+1)");
  CHECK(page_count(browser, "#timeline tr[data-tranche='snel'] td[data-count]") ==
        rush_submissions);
  // Its fill curve is zoomed on the rush: 20 grants in milliseconds, drawn point by point.
  CHECK(browser.evaluate("document.querySelector('#fill-snel polyline.line').dataset.points") ==
        "20");
  CHECK(browser.evaluate("document.querySelector('#fill-snel .label').textContent") ==
        "milliseconden sinds de eerste aanvraag");
  // Monitoring: ages counted in bands, the bands' counts as the events give them.
  for (const auto& [band, count] : figures.age_groups) {
    CHECK(page_count(browser, fmt::format("table[data-attribute='age_group'] "
                                          "tr[data-value='{}'] td[data-count]",
                                          band)) == count);
  }
  CHECK(figures.age_groups.size() == 5);  // ages 18 to 57: every band
  // The lottery's ranking in full, in the order the journal decided it.
  const json::value ranked = browser.evaluate(
      "[...document.querySelectorAll(\"ol.ranked[data-tranche='loting'] li\")]"
      ".map(item => item.textContent)");
  std::vector<std::string> shown;
  for (const json::value& id : ranked.as_array()) shown.emplace_back(id.as_string());
  CHECK(shown == figures.lottery_rank_order);
  CHECK(shown.size() == lottery_submissions);
  // The lottery's tranche filled at its draw, after its submissions: the chart runs to it.
  CHECK(browser.evaluate("document.querySelector('#fill-loting polyline.line').dataset.points") ==
        "5");

  const std::string screenshot = build_path("browser/report-nl.png");
  const std::string pdf = build_path("browser/report-nl.pdf");
  std::filesystem::create_directories(std::filesystem::path(screenshot).parent_path());
  browser.save_screenshot(screenshot);
  browser.save_pdf(pdf);
  CHECK(std::filesystem::file_size(screenshot) > 10'000);
  const std::string printed = read_text(pdf);
  CHECK(printed.starts_with("%PDF-"));
  // A4 is 210 by 297 mm, 595.3 by 841.9 points; Chromium writes each page's MediaBox
  // uncompressed, in its own rounding.
  CHECK(printed.find("/MediaBox [0 0 594.9") != std::string::npos);
  CHECK(printed.find("/MediaBox [0 0 612") == std::string::npos);  // not US Letter
}

// In a money window lottery the close may decide one application twice in its record
// (waitlisted in rank order, then rejected when the budget ends): it has one place in the
// ranking the report lists.
TEST_CASE("The report ranks each application of a money draw once", "[process][report]") {
  TempFolder folder("report-money-draw");
  std::string events;
  constexpr int submissions = 6;  // of 300 cents each, for a budget of 1000
  for (int index = 1; index <= submissions; ++index) {
    events += fmt::format(
        R"({{"type":"submit","seq":{},"received_at":"2021-03-26T09:00:00Z","tranche":"d",)"
        R"("id":"G{}","participant":"p{}","amount_cents":300}})"
        "\n",
        index, index, index);
  }
  events += fmt::format(R"({{"type":"close","seq":{},"received_at":"2021-04-30T08:00:00Z",)"
                        R"("tranche":"d","seed":"00c0ffee"}})"
                        "\n",
                        submissions + 1);
  const std::string data = folder.path("journal");
  const std::string decisions = allocate_into(folder.write("scheme.toml", R"(
[scheme]
id = "money-draw"
name = "Money draw"
unique_participant = "scheme"
[[tranche]]
id = "d"
opens_at = "2021-03-26T08:00:00Z"
closes_at = "2021-04-30T08:00:00Z"
budget_cents = 1000
ranking = "window_lottery"
fit = "skip"
spillover = "none"
)"),
                                              folder.write("events.jsonl", events), data);
  // The case at hand: the close's record holds more decisions than there are applications.
  std::size_t close_decisions = 0;
  for (const std::string& line : lines_of(decisions)) {
    close_decisions += line.find(fmt::format(R"("seq":{},)", submissions + 1)) != std::string::npos;
  }
  CHECK(close_decisions > submissions);
  const auto report = gather_report(data);
  REQUIRE(report);
  REQUIRE(report->draws.size() == 1);
  const LotteryDraw& draw = report->draws.front();
  CHECK(draw.decided == submissions);
  std::vector<std::string> ranked = draw.ranked;
  std::sort(ranked.begin(), ranked.end());
  CHECK(ranked == std::vector<std::string>{"G1", "G2", "G3", "G4", "G5", "G6"});
}

}  // namespace loket::testing
