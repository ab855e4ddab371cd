// A line chart as inline SVG, with ticks and labels on both axes, for the pages loket writes:
// nothing to load, readable printed. Lines keep their points' count in data-points, so that a
// browser test can check what was drawn.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace loket {

struct ChartLine {
  std::string name;                               // in the legend
  std::string css_class;                          // its stroke, from the page's style
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
};

struct LineChart {
  std::string id;
  std::string x_label;  // with its unit, such as "seconds since the start"
  std::string y_label;
  std::vector<ChartLine> lines;
  // How tick labels write numbers: 1,250,000.5 by default; a Dutch page sets '.' and ','.
  char thousands_separator = ',';
  char decimal_separator = '.';
};

std::string svg_line_chart(const LineChart& chart);

}  // namespace loket
