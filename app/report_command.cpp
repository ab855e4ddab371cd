#include "app/report_command.hpp"

#include <fmt/format.h>

#include <chrono>
#include <fstream>

#include "app/report_html.hpp"

namespace loket {

int run_report(const ReportOptions& options, std::FILE* errors) {
  const std::optional<ReportLanguage> language = report_language_from(options.language);
  if (!language) {
    fmt::print(errors, "loket report: --lang must be en or nl, not '{}'\n", options.language);
    return 2;
  }
  const Result<ReportData> data = gather_report(options.data_path);
  if (!data.ok()) {
    fmt::print(errors, "loket report: {}\n", data.status().message());
    return 2;
  }
  // The one clock reading: when the report was made, printed on it.
  const TimestampNs made_at = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const std::string html = render_report_html(*data, ReportSettings{*language, made_at});
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
