// The report's charts: how each tranche filled, zoomed on the rush, and decisions over time
// in bins that fit the span, from milliseconds (an opening-day burst) to days (a window).
#include <algorithm>
#include <array>

#include "app/report_page.hpp"
#include "parse/html_text.hpp"
#include "parse/svg_chart.hpp"

namespace loket {
namespace {

constexpr std::size_t chart_points_max = 600;  // a polyline the eye and a printer can take
constexpr std::int64_t bins_max = 120;
constexpr std::int64_t cents_per_ten_million = 1'000'000'000;
// The rate chart spans the first 99.9 % of decisions, so that a close days later does not
// squeeze the opening into one bar; the caption counts what lies beyond.
constexpr std::uint64_t rush_share_permille = 999;

constexpr std::int64_t millisecond_ns = 1'000'000;
constexpr std::int64_t second_ns = 1000 * millisecond_ns;
constexpr std::int64_t minute_ns = 60 * second_ns;
constexpr std::int64_t hour_ns = 60 * minute_ns;
constexpr std::int64_t day_ns = 24 * hour_ns;

struct TimeUnit {
  std::int64_t nanoseconds;
  std::string_view symbol;
  std::string_view english;
  std::string_view dutch;
};
constexpr std::array<TimeUnit, 5> time_units = {
    {{millisecond_ns, "ms", "milliseconds", "milliseconden"},
     {second_ns, "s", "seconds", "seconden"},
     {minute_ns, "min", "minutes", "minuten"},
     {hour_ns, "h", "hours", "uren"},
     {day_ns, "d", "days", "dagen"}}};

// Bin widths at round values of each unit.
constexpr std::array<std::int64_t, 29> bin_widths_ns = {1 * millisecond_ns,
                                                        2 * millisecond_ns,
                                                        5 * millisecond_ns,
                                                        10 * millisecond_ns,
                                                        20 * millisecond_ns,
                                                        50 * millisecond_ns,
                                                        100 * millisecond_ns,
                                                        200 * millisecond_ns,
                                                        500 * millisecond_ns,
                                                        second_ns,
                                                        2 * second_ns,
                                                        5 * second_ns,
                                                        10 * second_ns,
                                                        15 * second_ns,
                                                        30 * second_ns,
                                                        minute_ns,
                                                        2 * minute_ns,
                                                        5 * minute_ns,
                                                        10 * minute_ns,
                                                        15 * minute_ns,
                                                        30 * minute_ns,
                                                        hour_ns,
                                                        2 * hour_ns,
                                                        3 * hour_ns,
                                                        6 * hour_ns,
                                                        12 * hour_ns,
                                                        day_ns,
                                                        7 * day_ns,
                                                        30 * day_ns};

// The largest unit of which the span holds at least two, so ticks read as whole numbers.
const TimeUnit& unit_for(std::int64_t span_ns) {
  const TimeUnit* chosen = &time_units.front();
  for (const TimeUnit& unit : time_units) {
    if (span_ns / 2 >= unit.nanoseconds) chosen = &unit;
  }
  return *chosen;
}

std::string unit_name(const ReportPage& page, const TimeUnit& unit) {
  return std::string(page.settings.language == ReportLanguage::nl ? unit.dutch : unit.english);
}

// The narrowest round bin that keeps the span within bins_max bins; whole days beyond them.
std::int64_t bin_width_for(std::int64_t span_ns) {
  for (const std::int64_t width : bin_widths_ns) {
    if (span_ns / width < bins_max) return width;
  }
  return (span_ns / bins_max / day_ns + 1) * day_ns;
}

std::string bin_text(std::int64_t width_ns) {
  const TimeUnit* unit = &time_units.front();
  for (const TimeUnit& candidate : time_units) {
    if (width_ns % candidate.nanoseconds == 0) unit = &candidate;
  }
  return fmt::format("{} {}", width_ns / unit->nanoseconds, unit->symbol);
}

double in_unit(std::int64_t nanoseconds, const TimeUnit& unit) {
  return static_cast<double>(nanoseconds) / static_cast<double>(unit.nanoseconds);
}

LineChart localized(LineChart chart, const ReportPage& page) {
  if (page.settings.language == ReportLanguage::nl) {
    chart.thousands_separator = '.';
    chart.decimal_separator = ',';
  }
  return chart;
}

void fill_chart(ReportPage& page, std::size_t index) {
  const Tranche& tranche = page.data.scheme.tranches[index];
  const std::vector<FillPoint>& points = page.data.filling[index];
  const TrancheTimeline& timeline = page.data.timelines[index];
  if (points.empty()) return;
  const TimestampNs origin = timeline.first_submission_at.value_or(points.front().at);
  // Zoomed on the rush: through the last submission, or the moment the cap was reached if
  // that came first (a spillover at a close days later is in the budget table). A lottery
  // grants at its draws, after the submissions: through the last grant.
  const TimestampNs last_grant = points.back().at;
  const TimestampNs end = std::min(timeline.cap_reached_at.value_or(last_grant),
                                   tranche.ranking == Ranking::arrival
                                       ? timeline.last_submission_at.value_or(last_grant)
                                       : last_grant);
  const auto past_end =
      std::upper_bound(points.begin(), points.end(), end,
                       [](TimestampNs at, const FillPoint& point) { return at < point.at; });
  const auto shown = static_cast<std::size_t>(past_end - points.begin());
  const TimeUnit& unit = unit_for(std::max<std::int64_t>(end - origin, 1));
  // Money in euros, or in millions of euros once the cap reaches ten million: tick labels fit.
  const std::int64_t cap = tranche.counts_places ? tranche.places : tranche.budget_cents;
  const bool millions = !tranche.counts_places && cap >= cents_per_ten_million;
  const double units_per_y =
      tranche.counts_places ? 1.0 : (millions ? cents_per_ten_million / 10.0 : 100.0);
  const auto y_of = [&](std::int64_t units) { return static_cast<double>(units) / units_per_y; };
  ChartLine granted{std::string(page.words(Phrase::granted_within_cap)), "line", {}};
  const std::size_t step = std::max<std::size_t>(1, shown / chart_points_max);
  for (std::size_t position = 0; position < shown; position += step) {
    const FillPoint& point = points[std::min(position + step - 1, shown - 1)];
    granted.points.emplace_back(in_unit(point.at - origin, unit), y_of(point.granted_units));
  }
  const double x_end = granted.points.empty() ? 0 : granted.points.back().first;
  ChartLine cap_line{
      std::string(page.words(Phrase::cap)), "cap", {{0, y_of(cap)}, {x_end, y_of(cap)}}};
  const std::string y_label =
      tranche.counts_places
          ? std::string(page.words(Phrase::places))
          : std::string(page.words(millions ? Phrase::euro_millions : Phrase::euros));
  page.html += "<figure>";
  page.html += svg_line_chart(localized({"fill-" + tranche.id,
                                         fmt::format(fmt::runtime(page.words(Phrase::since_first)),
                                                     fmt::arg("unit", unit_name(page, unit))),
                                         y_label,
                                         {std::move(granted), std::move(cap_line)}},
                                        page));
  page.html += "<figcaption>";
  page.say(Phrase::fill_caption, fmt::arg("tranche", html_escaped(tranche.id)),
           fmt::arg("changes", page.count(shown)));
  page.html += "</figcaption></figure>";
}

void rate_chart(ReportPage& page) {
  const std::vector<TimestampNs>& times = page.data.submission_times;
  if (times.empty()) return;
  const std::size_t rush_count =
      std::max<std::size_t>(1, (times.size() * rush_share_permille + 999) / 1000);
  const TimestampNs origin = times.front();
  const std::int64_t span_ns = std::max<std::int64_t>(times[rush_count - 1] - origin, 1);
  const std::int64_t width_ns = bin_width_for(span_ns);
  std::vector<std::uint64_t> bins(static_cast<std::size_t>(span_ns / width_ns + 1), 0);
  std::size_t outside = 0;
  for (const TimestampNs at : times) {
    const std::int64_t bin = (at - origin) / width_ns;
    if (bin < static_cast<std::int64_t>(bins.size())) {
      bins[static_cast<std::size_t>(bin)] += 1;
    } else {
      outside += 1;
    }
  }
  const TimeUnit& unit = unit_for(static_cast<std::int64_t>(bins.size()) * width_ns);
  const std::string bin_label = bin_text(width_ns);
  std::string y_label =
      fmt::format(fmt::runtime(page.words(Phrase::per_bin)), fmt::arg("bin", bin_label));
  ChartLine rate{y_label, "rate", {}};
  for (std::size_t bin = 0; bin < bins.size(); ++bin) {
    rate.points.emplace_back(in_unit(static_cast<std::int64_t>(bin) * width_ns, unit),
                             static_cast<double>(bins[bin]));
  }
  page.html += "<figure>";
  page.html += svg_line_chart(localized({"rate",
                                         fmt::format(fmt::runtime(page.words(Phrase::since_first)),
                                                     fmt::arg("unit", unit_name(page, unit))),
                                         std::move(y_label),
                                         {std::move(rate)}},
                                        page));
  page.html += "<figcaption>";
  page.say(Phrase::rate_caption, fmt::arg("bin", bin_label));
  if (outside > 0) page.say(Phrase::outside_chart, fmt::arg("count", page.count(outside)));
  page.html += ".</figcaption></figure>";
}

}  // namespace

void write_charts(ReportPage& page) {
  fmt::format_to(std::back_inserter(page.html), "<h2>{}</h2>", page.words(Phrase::filling));
  for (std::size_t index = 0; index < page.data.filling.size(); ++index) fill_chart(page, index);
  rate_chart(page);
}

}  // namespace loket
