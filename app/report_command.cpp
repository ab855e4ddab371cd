#include "app/report_command.hpp"

#include <fmt/format.h>

#include <fstream>

#include "app/report_html.hpp"

namespace loket {

int run_report(const ReportOptions& options, std::FILE* errors) {
  const Result<ReportData> data = gather_report(options.data_path);
  if (!data.ok()) {
    fmt::print(errors, "loket report: {}\n", data.status().message());
    return 2;
  }
  const std::string html = render_report_html(*data);
  std::ofstream out(options.out_path, std::ios::binary | std::ios::trunc);
  out << html;
  out.close();
  if (!out) {
    fmt::print(errors, "loket report: {}: cannot write\n", options.out_path);
    return 2;
  }
  if (data->summary.problem) {
    fmt::print(errors, "loket report: {}: record {}: {}; the report says so\n", options.data_path,
               data->summary.problem->sequence, data->summary.problem->what);
    return 1;
  }
  fmt::print(errors, "loket report: wrote {} ({} records)\n", options.out_path,
             data->summary.records);
  return 0;
}

}  // namespace loket
