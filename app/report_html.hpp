// Renders the auditor's report: one self-contained HTML file (no scripts, fonts or images
// from elsewhere; charts are inline SVG) that prints cleanly on A4, in English or Dutch.
#pragma once

#include <string>

#include "app/report_data.hpp"
#include "app/report_words.hpp"

namespace loket {

struct ReportSettings {
  ReportLanguage language = ReportLanguage::en;
  TimestampNs made_at = 0;  // when the report was made; the clock is read by the caller
};

std::string render_report_html(const ReportData& data, const ReportSettings& settings);

}  // namespace loket
