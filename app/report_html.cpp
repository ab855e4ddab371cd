#include "app/report_html.hpp"

#include "app/report_page.hpp"
#include "base/version.hpp"
#include "parse/html_text.hpp"
#include "storage/format.hpp"

namespace loket {
namespace {

constexpr std::string_view style = R"(<style>
body{font:11pt/1.4 Georgia,'Times New Roman',serif;max-width:60em;margin:2em auto;color:#111}
h1{font-size:18pt;margin-bottom:0}h2{font-size:13pt;border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:9.5pt}th,td{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}#budgets{font-size:8.5pt}tr.total td{font-weight:bold}
code{font-size:9pt;word-break:break-all}pre{font-size:9pt;white-space:pre-wrap;word-break:break-all}.ok{color:#064}.bad{color:#a00;font-weight:bold}
svg text{font:10px sans-serif;stroke:none}.axis{stroke:#333}.grid{stroke:#ddd}.label{font-weight:bold}
polyline{fill:none;stroke-width:1.5}polyline.line,polyline.rate{stroke:#036}polyline.cap{stroke:#a00;stroke-dasharray:4 3}
text.legend.line,text.legend.rate{fill:#036}text.legend.cap{fill:#a00}
figure{margin:1em 0}figcaption{font-size:9pt;color:#444}
ol.ranked{columns:4;font:8.5pt monospace;padding-left:3em}
@media print{body{margin:0;max-width:none}h2,h3{break-after:avoid}table,figure{break-inside:avoid}.appendix{break-before:page}}
@page{size:A4;margin:18mm}
</style>)";

void write_head(ReportPage& page) {
  fmt::format_to(std::back_inserter(page.html),
                 "<!DOCTYPE html><html lang={}><head><meta charset='utf-8'>"
                 "<title>loket: {}</title>{}</head><body><h1>{}</h1><p>",
                 page.words(Phrase::html_lang), html_escaped(page.data.scheme.name), style,
                 html_escaped(page.data.scheme.name));
  page.say(Phrase::intro, fmt::arg("path", html_escaped(page.data.data_path)));
  page.html += "</p>";
  const JournalSummary& summary = page.data.summary;
  if (summary.problem) {
    page.html += "<p class=bad id=verification>";
    page.say(Phrase::not_verified, fmt::arg("sequence", summary.problem->sequence),
             fmt::arg("what", html_escaped(summary.problem->what)),
             fmt::arg("last", summary.last_sequence));
  } else {
    page.html += "<p class=ok id=verification>";
    page.say(Phrase::verified, fmt::arg("records", page.count(summary.records)),
             fmt::arg("last", summary.last_sequence));
  }
  page.html += "</p>";
}

// One row of the summary's per-tranche table.
void summary_tranche_row(ReportPage& page, std::size_t index) {
  const Tranche& tranche = page.data.scheme.tranches[index];
  const TrancheTimeline& timeline = page.data.timelines[index];
  const auto moment = [&](const std::optional<TimestampNs>& at) {
    return at ? page.local_time(*at) : std::string(page.words(Phrase::not_reached));
  };
  const std::string after =
      timeline.cap_reached_at
          ? duration_text(page.settings.language, *timeline.cap_reached_at - tranche.opens_at)
          : "";
  std::int64_t remaining_units = 0;
  for (const PoolStatus& pool : page.data.tranches[index].pools)
    remaining_units += pool.remaining_units;
  fmt::format_to(std::back_inserter(page.html),
                 "<tr data-tranche='{}'><td>{}</td><td>{}</td><td>{}</td><td class=n "
                 "data-count={}>{}</td><td>{}</td><td class=n>{}</td><td>{}</td><td "
                 "class=n>{}</td></tr>",
                 html_escaped(tranche.id), html_escaped(tranche.id),
                 page.local_time(tranche.opens_at), moment(timeline.first_submission_at),
                 timeline.submissions, page.count(timeline.submissions),
                 moment(timeline.cap_reached_at), after, moment(timeline.first_turned_away_at),
                 page.units(tranche, remaining_units));
}

}  // namespace

std::string ReportPage::units(const Tranche& tranche, std::int64_t amount) const {
  return tranche.counts_places ? fmt::format("{} {}", number(amount), words(Phrase::places))
                               : euros(amount);
}

bool ReportPage::section(Phrase title, bool empty) {
  fmt::format_to(std::back_inserter(html), "<h2>{}</h2>", words(title));
  if (empty) fmt::format_to(std::back_inserter(html), "<p>{}</p>", words(Phrase::none));
  return !empty;
}

void ReportPage::header_row(std::span<const Phrase> phrases) {
  html += "<tr>";
  for (const Phrase phrase : phrases) {
    fmt::format_to(std::back_inserter(html), "<th>{}</th>", words(phrase));
  }
  html += "</tr>";
}

std::string ReportPage::local_time(TimestampNs at) const {
  const TimeZone zone = data.scheme.time_zone;
  return fmt::format(
      "{} (UTC{:+})",
      format_local_time(at, zone, settings.language == ReportLanguage::nl ? ',' : '.'),
      utc_offset_seconds(at, zone) / 3600);
}

void write_about(ReportPage& page) {
  const ReportData& data = page.data;
  fmt::format_to(
      std::back_inserter(page.html),
      "<h2>{}</h2><table id=about><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>"
      "<tr><th>{}</th><td><code>{}</code></td></tr><tr><th>{}</th><td><code>{}</code></td></tr>"
      "<tr><th>{}</th><td>{}</td></tr></table><p>",
      page.words(Phrase::about), page.words(Phrase::made_at),
      page.local_time(page.settings.made_at), page.words(Phrase::version), loket_version,
      page.words(Phrase::scheme_file), data.scheme_sha256_hex, page.words(Phrase::journal_head),
      to_hex(data.summary.head_hash), page.words(Phrase::journal_format), journal_format::version);
  page.say(Phrase::check_with, fmt::arg("command", fmt::format("<code>loket audit --data {}</code>",
                                                               html_escaped(data.data_path))));
  page.html += "</p>";
}

void write_summary(ReportPage& page) {
  const ReportData& data = page.data;
  std::uint64_t applications = 0;
  for (const std::uint64_t count : data.outcomes) applications += count;
  fmt::format_to(std::back_inserter(page.html), "<h2>{}</h2><table id=summary><tr><th>{}</th>",
                 page.words(Phrase::summary), page.words(Phrase::applications));
  for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count; ++outcome) {
    fmt::format_to(std::back_inserter(page.html), "<th>{}</th>",
                   outcome_text(page.settings.language, static_cast<Outcome>(outcome)));
  }
  fmt::format_to(std::back_inserter(page.html), "</tr><tr><td class=n data-count={}>{}</td>",
                 applications, page.count(applications));
  for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count; ++outcome) {
    fmt::format_to(std::back_inserter(page.html),
                   "<td class=n data-outcome='{}' data-count={}>{} ({})</td>",
                   to_string(static_cast<Outcome>(outcome)), data.outcomes[outcome],
                   page.count(data.outcomes[outcome]),
                   percent_text(page.settings.language, data.outcomes[outcome], applications));
  }
  fmt::format_to(std::back_inserter(page.html),
                 "</tr></table><p>{}</p><table id=timeline><tr><th>{}</th><th>{}</th><th>{}</th>"
                 "<th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                 page.words(Phrase::summary_note), page.words(Phrase::tranche),
                 page.words(Phrase::opened), page.words(Phrase::first_submission),
                 page.words(Phrase::applications), page.words(Phrase::cap_reached),
                 page.words(Phrase::after_opening), page.words(Phrase::first_turned_away),
                 page.words(Phrase::remaining));
  for (std::size_t index = 0; index < data.scheme.tranches.size(); ++index) {
    summary_tranche_row(page, index);
  }
  page.html += "</table>";
}

std::string render_report_html(const ReportData& data, const ReportSettings& settings) {
  ReportPage page{data, settings, {}};
  write_head(page);
  write_summary(page);
  write_about(page);
  write_checkpoint(page);
  write_scheme(page);
  write_budgets(page);
  write_charts(page);
  write_outcomes(page);
  write_monitoring(page);
  write_events(page);
  write_ranked_lists(page);
  page.html += "</body></html>\n";
  return page.html;
}

}  // namespace loket
