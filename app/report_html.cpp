#include "app/report_html.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "parse/html_text.hpp"
#include "proof/checkpoint.hpp"
#include "storage/csv.hpp"
#include "storage/format.hpp"

namespace loket {
namespace {

constexpr int chart_width = 720;
constexpr int chart_height = 200;
constexpr int chart_margin = 40;
constexpr std::size_t chart_points_max = 600;
constexpr std::size_t histogram_bars_max = 240;

// Thousands separators in a decimal number's text, after its minus sign if it has one. On
// the text, so that no number is negated (-INT64_MIN does not fit an int64).
std::string grouped_text(std::string text) {
  const std::size_t first_digit = !text.empty() && text[0] == '-' ? 1 : 0;
  for (std::size_t digits_left = text.size() - first_digit; digits_left > 3; digits_left -= 3) {
    text.insert(first_digit + digits_left - 3, ",");
  }
  return text;
}

std::string grouped(std::int64_t number) {
  return grouped_text(std::to_string(number));
}

std::string units_text(const Tranche& tranche, std::int64_t units) {
  return tranche.counts_places ? grouped(units) + " places" : euros_text(units);
}

std::string local_time(TimestampNs at, TimeZone zone) {
  const std::int64_t offset = utc_offset_seconds(at, zone);
  const std::string text = format_rfc3339(at + offset * nanoseconds_per_second);
  return fmt::format("{} {} (UTC{:+})", text.substr(0, 10), text.substr(11, 8), offset / 3600);
}

void scheme_section(std::string& html, const ReportData& data) {
  const Scheme& scheme = data.scheme;
  auto out = std::back_inserter(html);
  fmt::format_to(
      out,
      "<h2>The scheme</h2><table><tr><th>id</th><td>{}</td></tr>"
      "<tr><th>time zone</th><td>{}</td></tr>"
      "<tr><th>one holding submission per participant per</th><td>{}</td></tr>"
      "<tr><th>partnership required</th><td>{}</td></tr>"
      "<tr><th>co-financing</th><td>{}</td></tr></table>",
      html_escaped(scheme.id), to_string(scheme.time_zone), to_string(scheme.unique_participant),
      scheme.requires_partnership ? "yes" : "no",
      scheme.cofinancing_percent ? fmt::format("{} %", *scheme.cofinancing_percent) : "none");
  html +=
      "<table><tr><th>tranche</th><th>opens</th><th>closes</th><th>cap</th><th>ranking</th>"
      "<th>fit</th><th>spillover</th></tr>";
  for (const Tranche& tranche : scheme.tranches) {
    fmt::format_to(
        out,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td "
        "class=n>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        html_escaped(tranche.id), local_time(tranche.opens_at, scheme.time_zone),
        local_time(tranche.closes_at, scheme.time_zone),
        units_text(tranche, tranche.counts_places ? tranche.places : tranche.budget_cents),
        to_string(tranche.ranking), tranche.counts_places ? "" : to_string(tranche.fit),
        tranche.counts_places ? "" : to_string(tranche.spillover));
  }
  html += "</table>";
}

void budget_section(std::string& html, const ReportData& data) {
  auto out = std::back_inserter(html);
  html +=
      "<h2>Budgets and what was granted</h2><table><tr><th>tranche</th><th>compartment</th>"
      "<th>band</th><th>budget</th><th>transfers in / out</th><th>granted within cap</th>"
      "<th>granted on appeal</th><th>remaining</th><th>unmet demand</th><th>closed</th></tr>";
  for (std::size_t index = 0; index < data.tranches.size(); ++index) {
    const Tranche& tranche = data.scheme.tranches[index];
    const TrancheStatus& status = data.tranches[index];
    for (std::size_t pool = 0; pool < status.pools.size(); ++pool) {
      const PoolStatus& figures = status.pools[pool];
      const Compartment* compartment =
          tranche.counts_places ? nullptr : &tranche.compartments[pool];
      const std::string band = compartment == nullptr || compartment->id.empty()
                                   ? ""
                                   : fmt::format("{} to {}", euros_text(compartment->min_cents),
                                                 euros_text(compartment->max_cents));
      fmt::format_to(
          out,
          "<tr><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{} / {}</td>"
          "<td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td "
          "class=n>{}</td><td>{}</td></tr>",
          html_escaped(tranche.id), compartment ? html_escaped(compartment->id) : "", band,
          units_text(tranche, figures.capacity_units),
          units_text(tranche, figures.transferred_in_units),
          units_text(tranche, figures.transferred_out_units),
          units_text(tranche, figures.granted_units),
          units_text(tranche, figures.appeal_granted_units),
          units_text(tranche, figures.remaining_units),
          tranche.counts_places ? "" : units_text(tranche, figures.unmet_units),
          status.closed ? "yes" : "no");
    }
  }
  html += "</table>";
}

void filling_chart(std::string& html, const ReportData& data, std::size_t index) {
  const Tranche& tranche = data.scheme.tranches[index];
  const std::vector<FillPoint>& points = data.filling[index];
  if (points.empty()) return;
  const std::int64_t cap = tranche.counts_places ? tranche.places : tranche.budget_cents;
  const TimestampNs first = points.front().at;
  const TimestampNs span = std::max<TimestampNs>(points.back().at - first, 1);
  const std::size_t step = std::max<std::size_t>(1, points.size() / chart_points_max);
  const int plot_width = chart_width - 2 * chart_margin;
  const int plot_height = chart_height - 2 * chart_margin;
  std::string polyline;
  for (std::size_t position = 0; position < points.size(); position += step) {
    const FillPoint& point = points[std::min(
        position + step >= points.size() ? points.size() - 1 : position, points.size() - 1)];
    const double x = chart_margin +
                     plot_width * static_cast<double>(point.at - first) / static_cast<double>(span);
    const double y =
        chart_margin +
        plot_height *
            (1.0 - std::min(1.0, static_cast<double>(point.granted_units) /
                                     static_cast<double>(std::max<std::int64_t>(cap, 1))));
    polyline += fmt::format("{:.1f},{:.1f} ", x, y);
  }
  fmt::format_to(
      std::back_inserter(html),
      "<figure><svg viewBox='0 0 {w} {h}' width='100%' role='img' aria-label='filling of {id}'>"
      "<rect x='{m}' y='{m}' width='{pw}' height='{ph}' class=frame />"
      "<line x1='{m}' y1='{m}' x2='{r}' y2='{m}' class=cap />"
      "<polyline points='{pts}' class=line />"
      "<text x='{m}' y='{tl}'>{start}</text><text x='{r}' y='{tl}' text-anchor='end'>{end}</text>"
      "<text x='{m}' y='{capy}'>cap {cap}</text></svg>"
      "<figcaption>Tranche {id}: granted within the cap over time ({n} "
      "changes)</figcaption></figure>",
      fmt::arg("w", chart_width), fmt::arg("h", chart_height), fmt::arg("m", chart_margin),
      fmt::arg("pw", plot_width), fmt::arg("ph", plot_height),
      fmt::arg("r", chart_width - chart_margin), fmt::arg("pts", polyline),
      fmt::arg("tl", chart_height - chart_margin + 16), fmt::arg("capy", chart_margin - 6),
      fmt::arg("start", local_time(first, data.scheme.time_zone)),
      fmt::arg("end", local_time(points.back().at, data.scheme.time_zone)),
      fmt::arg("cap", units_text(tranche, cap)), fmt::arg("id", html_escaped(tranche.id)),
      fmt::arg("n", grouped(static_cast<std::int64_t>(points.size()))));
}

void decisions_chart(std::string& html, const ReportData& data) {
  const auto& times = data.decision_times;
  if (times.empty()) return;
  const TimestampNs minute = 60 * nanoseconds_per_second;
  const TimestampNs span = times.back() - times.front();
  const std::int64_t minutes = span / minute + 1;
  const std::int64_t minutes_per_bar =
      (minutes + static_cast<std::int64_t>(histogram_bars_max) - 1) /
      static_cast<std::int64_t>(histogram_bars_max);
  std::vector<std::uint64_t> bars(
      static_cast<std::size_t>((minutes + minutes_per_bar - 1) / minutes_per_bar), 0);
  for (const TimestampNs at : times) {
    bars[static_cast<std::size_t>((at - times.front()) / minute / minutes_per_bar)] += 1;
  }
  const std::uint64_t peak = *std::max_element(bars.begin(), bars.end());
  const double bar_width =
      static_cast<double>(chart_width - 2 * chart_margin) / static_cast<double>(bars.size());
  std::string rects;
  for (std::size_t bar = 0; bar < bars.size(); ++bar) {
    const double height = (chart_height - 2 * chart_margin) * static_cast<double>(bars[bar]) /
                          static_cast<double>(peak);
    rects +=
        fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.2f}' height='{:.1f}' class=bar />",
                    chart_margin + static_cast<double>(bar) * bar_width,
                    chart_height - chart_margin - height, std::max(bar_width - 0.5, 0.5), height);
  }
  fmt::format_to(std::back_inserter(html),
                 "<figure><svg viewBox='0 0 {} {}' width='100%' role='img' aria-label='decisions "
                 "per minute'>{}"
                 "<text x='{}' y='{}'>{}</text><text x='{}' y='{}'>peak {} per {} min</text></svg>"
                 "<figcaption>Decisions per {} minute(s), from the first (a close decides many at "
                 "once)</figcaption></figure>",
                 chart_width, chart_height, rects, chart_margin, chart_height - chart_margin + 16,
                 local_time(times.front(), data.scheme.time_zone), chart_margin, chart_margin - 6,
                 grouped(static_cast<std::int64_t>(peak)), minutes_per_bar, minutes_per_bar);
}

// One table row per label: the label, then its count for each outcome in Outcome's order.
void outcome_row(std::string& html, std::string_view label,
                 const std::array<std::uint64_t, outcome_count>& counts, bool total = false) {
  html += total ? "<tr class=total><td>" : "<tr><td>";
  html += label;
  html += "</td>";
  for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count; ++outcome) {
    fmt::format_to(std::back_inserter(html), "<td class=n>{}</td>", counts[outcome]);
  }
  html += "</tr>";
}

void outcome_header(std::string& html, std::string_view first_column) {
  fmt::format_to(std::back_inserter(html), "<table><tr><th>{}</th>", first_column);
  for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count; ++outcome) {
    fmt::format_to(std::back_inserter(html), "<th>{}</th>",
                   to_string(static_cast<Outcome>(outcome)));
  }
  html += "</tr>";
}

void outcome_tables(std::string& html, const ReportData& data) {
  html += "<h2>Outcomes</h2>";
  outcome_header(html, "reason");
  for (const auto& [reason, counts] : data.outcomes_by_reason)
    outcome_row(html, html_escaped(reason), counts);
  outcome_row(html, "all applications", data.outcomes, true);
  html += "</table>";
  if (data.monitoring.empty()) return;
  html +=
      "<h2>Monitoring attributes by final outcome</h2><p>Carried with submissions, never "
      "used for allocation.</p>";
  outcome_header(html, "attribute");
  for (const auto& [attribute, counts] : data.monitoring)
    outcome_row(html, html_escaped(attribute), counts);
  html += "</table>";
}

void event_tables(std::string& html, const ReportData& data) {
  auto out = std::back_inserter(html);
  html += "<h2>Lottery draws</h2>";
  if (data.draws.empty()) html += "<p>None: no tranche ranked by lottery was closed.</p>";
  for (const LotteryDraw& draw : data.draws) {
    std::string ranked;
    for (const std::string& id : draw.first_ranked) ranked += html_escaped(id) + " ";
    fmt::format_to(
        out, "<p><b>{}</b>, {}, at {}: seed <code>{}</code>; {} decisions. In rank order: {}{}</p>",
        html_escaped(draw.tranche), html_escaped(draw.what),
        local_time(draw.at, data.scheme.time_zone), html_escaped(draw.seed_hex), draw.decided,
        ranked, draw.decided > draw.first_ranked.size() ? "&hellip;" : "");
  }
  html += "<h2>Transfers between compartments</h2>";
  if (data.transfers.empty())
    html += "<p>None.</p>";
  else
    html += "<table><tr><th>seq</th><th>tranche</th><th>from</th><th>to</th><th>amount</th></tr>";
  for (const TransferEntry& transfer : data.transfers) {
    fmt::format_to(
        out, "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td></tr>",
        transfer.sequence, html_escaped(transfer.tranche), html_escaped(transfer.from),
        html_escaped(transfer.to), euros_text(transfer.amount_cents));
  }
  if (!data.transfers.empty()) html += "</table>";
  html += "<h2>Grants on appeal (above the cap)</h2>";
  if (data.appeals.empty())
    html += "<p>None.</p>";
  else
    html +=
        "<table><tr><th>seq</th><th>tranche</th><th>application</th><th>amount</th><th>reference</"
        "th></tr>";
  for (const AppealEntry& appeal : data.appeals) {
    fmt::format_to(
        out, "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td>{}</td></tr>",
        appeal.sequence, html_escaped(appeal.tranche), html_escaped(appeal.id),
        appeal.amount_cents > 0 ? euros_text(appeal.amount_cents) : "1 place",
        html_escaped(appeal.reference));
  }
  if (!data.appeals.empty()) html += "</table>";
}

// The final checkpoint in full: whoever holds a published copy compares it with this one, and
// `loket audit --checkpoint` compares it with the journal.
void checkpoint_section(std::string& html, const ReportData& data) {
  const TreeSummary& tree = data.tree;
  auto out = std::back_inserter(html);
  html += "<h2>The decision tree and its final checkpoint</h2>";
  if (tree.problem) {
    fmt::format_to(out, "<p class=bad>A journaled checkpoint does not pin the tree: {}.</p>",
                   html_escaped(*tree.problem));
  }
  fmt::format_to(out,
                 "<p>The journal's {} decisions are the leaves of a Merkle tree (RFC 9162) with "
                 "root <code>{}</code>. {} signed checkpoints were journaled.</p>",
                 grouped(static_cast<std::int64_t>(tree.decisions)), root_hash_text(tree.root),
                 grouped(static_cast<std::int64_t>(tree.checkpoints_journaled)));
  if (tree.final_checkpoint.empty()) {
    html += "<p>No checkpoint was journaled: nothing outside the journal pins it.</p>";
    return;
  }
  const std::uint64_t after = tree.decisions - tree.final_checkpoint_size;
  fmt::format_to(out, "<p>The final checkpoint pins the first {} of them{}:</p><pre>{}</pre>",
                 grouped(static_cast<std::int64_t>(tree.final_checkpoint_size)),
                 after == 0 ? ", all"
                            : fmt::format("; {} decisions came after it",
                                          grouped(static_cast<std::int64_t>(after))),
                 html_escaped(tree.final_checkpoint));
  fmt::format_to(out,
                 "<p>With a published copy of it in a file, <code>loket audit --data {} "
                 "--checkpoint FILE --key VERIFIER_KEY</code> checks its signature and that the "
                 "journal still holds the tree it pins; an applicant checks their own decision "
                 "against it with <code>loket verify</code> (docs/verify.md).</p>",
                 html_escaped(data.data_path));
}

constexpr std::string_view style = R"(<style>
body{font:11pt/1.4 Georgia,'Times New Roman',serif;max-width:60em;margin:2em auto;color:#111}
h1{font-size:18pt;margin-bottom:0}h2{font-size:13pt;border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:9.5pt}th,td{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}tr.total td{font-weight:bold}
code{font-size:9pt;word-break:break-all}pre{font-size:9pt;white-space:pre-wrap;word-break:break-all}.ok{color:#064}.bad{color:#a00;font-weight:bold}
svg text{font:10px sans-serif}.frame{fill:none;stroke:#999}.cap{stroke:#a00;stroke-dasharray:4 3}
.line{fill:none;stroke:#036;stroke-width:1.5}.bar{fill:#036}figure{margin:1em 0}figcaption{font-size:9pt;color:#444}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure{break-inside:avoid}}
@page{size:A4;margin:18mm}
</style>)";

}  // namespace

std::string euros_text(std::int64_t cents) {
  const std::string plain = format_euros(cents);
  const std::size_t point = plain.find('.');
  return "EUR " + grouped_text(plain.substr(0, point)) + plain.substr(point);
}

std::string render_report_html(const ReportData& data) {
  std::string html = "<!DOCTYPE html><html lang=en><head><meta charset='utf-8'>";
  fmt::format_to(std::back_inserter(html), "<title>loket report: {}</title>{}</head><body>",
                 html_escaped(data.scheme.name), style);
  fmt::format_to(std::back_inserter(html),
                 "<h1>{}</h1><p>Allocation report for the journal in <code>{}</code>.</p>",
                 html_escaped(data.scheme.name), html_escaped(data.data_path));
  const JournalSummary& summary = data.summary;
  if (summary.problem) {
    fmt::format_to(
        std::back_inserter(html),
        "<p class=bad>The journal does NOT verify: record {}: {}. The figures below cover "
        "records 1 to {} only.</p>",
        summary.problem->sequence, html_escaped(summary.problem->what), summary.last_sequence);
  } else {
    fmt::format_to(
        std::back_inserter(html),
        "<p class=ok>Verified: {} records, sequence 1 to {} without gaps, every checksum "
        "and the hash chain intact, every decision re-derived by the allocator and equal.</p>",
        grouped(static_cast<std::int64_t>(summary.records)), summary.last_sequence);
  }
  fmt::format_to(std::back_inserter(html),
                 "<p>Journal head hash (SHA-256): <code>{}</code><br>"
                 "Journal format version {}. Anyone with the journal can check this report with "
                 "<code>loket audit --data {}</code>.</p>",
                 to_hex(summary.head_hash), journal_format::version, html_escaped(data.data_path));
  checkpoint_section(html, data);
  scheme_section(html, data);
  budget_section(html, data);
  html += "<h2>How the tranches filled</h2>";
  for (std::size_t index = 0; index < data.filling.size(); ++index)
    filling_chart(html, data, index);
  decisions_chart(html, data);
  outcome_tables(html, data);
  event_tables(html, data);
  html += "</body></html>\n";
  return html;
}

}  // namespace loket
