// `loket loadtest --html-report`: one self-contained page (inline style, inline SVG, no
// script), so that it can be kept as a CI artifact and opened anywhere.
#include <fmt/format.h>

#include "loadgen/load_report.hpp"
#include "parse/html_text.hpp"
#include "parse/svg_chart.hpp"

namespace loket {
namespace {

constexpr std::string_view page_style = R"(
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; color: #1b1b1b; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 0.2rem 0.8rem; border-bottom: 1px solid #ddd; }
td.n { text-align: right; }
.pass { color: #0a7a2f; font-weight: 600; } .fail { color: #b00020; font-weight: 600; }
svg text { font-size: 11px; fill: #444; } .axis { stroke: #333; } .grid { stroke: #eee; }
polyline { fill: none; stroke-width: 1.5; } .rate { stroke: #1f5fbf; } .p50 { stroke: #0a7a2f; }
.p99 { stroke: #b35c00; } .errors { stroke: #b00020; }
.legend.rate { fill: #1f5fbf; } .legend.p50 { fill: #0a7a2f; } .legend.p99 { fill: #b35c00; }
.legend.errors { fill: #b00020; }
)";

std::string row(std::string_view name, std::string_view value, std::string_view id = {}) {
  return fmt::format("<tr><th>{}</th><td class=n{}>{}</td></tr>", html_escaped(name),
                     id.empty() ? "" : fmt::format(" id='{}'", id), html_escaped(value));
}

std::string charts(const LoadResult& result) {
  ChartLine rate{"answers per second", "rate", {}};
  ChartLine p50{"p50", "p50", {}};
  ChartLine p99{"p99", "p99", {}};
  ChartLine errors{"errors per second", "errors", {}};
  double previous_end = 0;
  for (const LoadInterval& interval : result.intervals) {
    const double seconds = std::max(interval.end_seconds - previous_end, 1e-3);
    previous_end = interval.end_seconds;
    rate.points.emplace_back(interval.end_seconds,
                             static_cast<double>(interval.answered) / seconds);
    p50.points.emplace_back(interval.end_seconds, static_cast<double>(interval.p50_us) / 1000.0);
    p99.points.emplace_back(interval.end_seconds, static_cast<double>(interval.p99_us) / 1000.0);
    errors.points.emplace_back(interval.end_seconds,
                               static_cast<double>(interval.errors) / seconds);
  }
  const std::string x_label = "seconds since the start";
  return "<h2>Over time</h2>" +
         svg_line_chart({"rate-chart", x_label, "answers per second", {rate}}) +
         svg_line_chart({"latency-chart", x_label, "latency in ms", {p50, p99}}) +
         svg_line_chart({"errors-chart", x_label, "errors per second", {errors}});
}

std::string figures(const LoadReport& report) {
  const LoadResult& result = report.result;
  const LatencyHistogramUs& latency = result.latency;
  std::string html = "<h2>Figures</h2><table>";
  html += row("sent", std::to_string(result.sent), "sent");
  html += row("answered", std::to_string(latency.count()), "answered");
  html += row("seconds", fmt::format("{:.2f}", result.elapsed_seconds));
  html += row("answers per second", fmt::format("{:.0f}", answers_per_second(result)), "rate");
  html += row("errors (no answer, 429 or 5xx)", std::to_string(error_answers(result)), "errors");
  for (const auto& [name, percent] : reported_percentiles) {
    html += row(fmt::format("latency {}", name), milliseconds_text(latency.percentile(percent)));
  }
  html += row("latency max", milliseconds_text(latency.max()));
  html += row("latency mean", fmt::format("{:.2f} ms", latency.mean() / 1000.0));
  html += "</table><h2>Answers</h2><table>";
  for (const auto& [status, count] : result.answers_by_status) {
    html += row(status == 0 ? "no answer" : std::to_string(status), std::to_string(count));
  }
  html += "</table><h2>Decisions</h2><table>";
  for (const auto& [decision, count] : result.decisions) {
    html += row(decision, std::to_string(count));
  }
  return html + "</table>";
}

std::string verdicts(const LoadReport& report) {
  std::string html = "<h2>Checks</h2><table>";
  if (const RunCheck* check = report.check) {
    html += row("record check", check->failures.empty() ? "passed" : "FAILED", "record-check");
    html += row("granted", fmt::format("{} of {} {}", check->granted_units, check->capacity_units,
                                       check->unit));
    html += row("receipts compared", std::to_string(check->receipts_checked));
    for (const std::string& failure : check->failures) html += row("failure", failure);
  } else {
    html += row("record check", "not run (no --auditor-token)", "record-check");
  }
  for (const ThresholdVerdict& verdict : report.verdicts) {
    html += fmt::format("<tr class=threshold><th>threshold {}</th><td class='n {}'>{} {}</td></tr>",
                        html_escaped(verdict.text), verdict.met ? "pass" : "fail",
                        html_escaped(verdict.measured), verdict.met ? "met" : "NOT MET");
  }
  return html + "</table>";
}

std::string settings(const LoadReport& report) {
  const LoadtestOptions& options = report.options;
  std::string html = "<h2>Settings</h2><table>";
  html += row("started at", report.started_at);
  html += row("target", options.target);
  html += row("tranche", options.tranche);
  html += row("profile", options.profile);
  html += row("registrations", std::to_string(options.registrations));
  html += row("connections", std::to_string(options.connections));
  html += row("duration limit", fmt::format("{} s", options.duration_seconds));
  html += row("duplicates, bad requests",
              fmt::format("{:.3f}, {:.3f}", options.duplicate_share, options.bad_share));
  return html + "</table>";
}

}  // namespace

std::string report_html(const LoadReport& report) {
  const bool passed = report.exit_code == 0;
  return fmt::format(
      "<!doctype html><html lang=en><head><meta charset=utf-8><title>loket loadtest {}</title>"
      "<style>{}</style></head><body><h1>loket loadtest: <span id=verdict class={}>{}</span></h1>"
      "<p>{} registrations to {} tranche {}, started {}</p>{}{}{}{}</body></html>\n",
      html_escaped(report.options.tranche), page_style, passed ? "pass" : "fail",
      passed ? "PASS" : "FAIL", report.options.registrations, html_escaped(report.options.target),
      html_escaped(report.options.tranche), html_escaped(report.started_at), verdicts(report),
      figures(report), charts(report.result), settings(report));
}

}  // namespace loket
