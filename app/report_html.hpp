// Renders the auditor's report: one self-contained HTML file (no scripts, fonts or images
// from elsewhere; charts are inline SVG) that prints cleanly on A4.
#pragma once

#include <string>

#include "app/report_data.hpp"

namespace loket {

std::string render_report_html(const ReportData& data);

// "EUR 71,500,000.00"
std::string euros_text(std::int64_t cents);

}  // namespace loket
