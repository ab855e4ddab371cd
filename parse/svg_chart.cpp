#include "parse/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "parse/html_text.hpp"

namespace loket {
namespace {

constexpr double width = 720;
constexpr double height = 240;
constexpr double left = 64;  // room for the y ticks' labels
constexpr double right = 16;
constexpr double top = 16;
constexpr double bottom = 44;  // room for the x ticks' labels and the axis label
constexpr int ticks = 4;       // intervals on each axis

// 1, 2 or 5 times a power of ten, at least `value`: ticks at round numbers.
double round_up(double value) {
  if (value <= 0) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (const double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

// A tick's value with its thousands grouped; at most three significant decimals.
std::string tick_text(double value, const LineChart& chart) {
  std::string text = std::abs(value - std::round(value)) < 1e-9 ? fmt::format("{:.0f}", value)
                                                                : fmt::format("{:.3f}", value);
  if (const std::size_t point = text.find('.'); point != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') {
      text.pop_back();  // 0.0004 rounds to 0.000: a whole number after all
    } else {
      text[point] = chart.decimal_separator;
    }
  }
  const std::size_t first_digit = text[0] == '-' ? 1 : 0;
  const std::size_t integer_end = std::min(text.find(chart.decimal_separator), text.size());
  for (std::size_t digits = integer_end - first_digit; digits > 3; digits -= 3) {
    text.insert(first_digit + digits - 3, 1, chart.thousands_separator);
  }
  return text;
}

}  // namespace

std::string svg_line_chart(const LineChart& chart) {
  double x_max = 0;
  double y_max = 0;
  for (const ChartLine& line : chart.lines) {
    for (const auto& [x, y] : line.points) {
      x_max = std::max(x_max, x);
      y_max = std::max(y_max, y);
    }
  }
  x_max = round_up(x_max);
  y_max = round_up(y_max);
  const double plot_width = width - left - right;
  const double plot_height = height - top - bottom;
  const auto x_of = [&](double x) { return left + plot_width * x / x_max; };
  const auto y_of = [&](double y) { return top + plot_height * (1 - y / y_max); };
  std::string svg = fmt::format(
      "<svg id='{}' viewBox='0 0 {} {}' width='100%' role='img' aria-label='{}'>"
      "<line class=axis x1='{}' y1='{}' x2='{}' y2='{}'/><line class=axis x1='{}' y1='{}' "
      "x2='{}' y2='{}'/>",
      html_escaped(chart.id), width, height, html_escaped(chart.y_label), left, top, left,
      top + plot_height, left, top + plot_height, left + plot_width, top + plot_height);
  for (int tick = 0; tick <= ticks; ++tick) {
    const double x = x_max * tick / ticks;
    const double y = y_max * tick / ticks;
    fmt::format_to(std::back_inserter(svg),
                   "<line class=grid x1='{:.1f}' y1='{}' x2='{:.1f}' y2='{}'/>"
                   "<text class=tick x='{:.1f}' y='{}' text-anchor=middle>{}</text>"
                   "<line class=grid x1='{}' y1='{:.1f}' x2='{}' y2='{:.1f}'/>"
                   "<text class=tick x='{}' y='{:.1f}' text-anchor=end>{}</text>",
                   x_of(x), top, x_of(x), top + plot_height, x_of(x), top + plot_height + 16,
                   tick_text(x, chart), left, y_of(y), left + plot_width, y_of(y), left - 6,
                   y_of(y) + 4, tick_text(y, chart));
  }
  fmt::format_to(std::back_inserter(svg),
                 "<text class=label x='{}' y='{}' text-anchor=middle>{}</text>"
                 "<text class=label x='12' y='{}' transform='rotate(-90 12 {})' "
                 "text-anchor=middle>{}</text>",
                 left + plot_width / 2, height - 6, html_escaped(chart.x_label),
                 top + plot_height / 2, top + plot_height / 2, html_escaped(chart.y_label));
  double legend_x = left + 8;
  for (const ChartLine& line : chart.lines) {
    std::string points;
    for (const auto& [x, y] : line.points) {
      fmt::format_to(std::back_inserter(points), "{:.1f},{:.1f} ", x_of(x), y_of(y));
    }
    fmt::format_to(std::back_inserter(svg),
                   "<polyline class='{}' data-points='{}' points='{}'/>"
                   "<text class='legend {}' x='{:.0f}' y='{}'>{}</text>",
                   html_escaped(line.css_class), line.points.size(), points,
                   html_escaped(line.css_class), legend_x, top + 12, html_escaped(line.name));
    legend_x += 14.0 + 7.0 * static_cast<double>(line.name.size());
  }
  svg += "</svg>";
  return svg;
}

}  // namespace loket
