// `loket report`: the auditor's HTML report of a journal.
#pragma once

#include <cstdio>
#include <string>

namespace loket {

struct ReportOptions {
  std::string data_path;
  std::string out_path = "report.html";
  std::string language = "en";  // en | nl
};

// 0 when the report was written for a journal that verifies; 1 when it was written but the
// journal does not verify (the report says so at the top); 2 when nothing could be written.
int run_report(const ReportOptions& options, std::FILE* errors);

}  // namespace loket
