// `loket export`: a journal's events or decisions as JSON lines or CSV. Exported events are
// exactly what `loket allocate` reads, so allocating an export reproduces the journal's
// decisions; CSV opens in a spreadsheet (header row, amounts in cents and euros), in RFC 4180
// or in the excel-nl dialect for Excel under a Dutch locale (storage/csv.hpp).
#pragma once

#include <cstdio>
#include <string>

namespace loket {

struct ExportOptions {
  std::string data_path;
  std::string what = "decisions";  // events | decisions
  std::string format = "jsonl";    // jsonl | csv
  std::string out_path;            // empty: standard output
  std::string dialect = "";        // CSV only: rfc4180 | excel-nl; empty: not given (rfc4180)
};

// 0 on success; 1 if the journal fails verification (what was verified before the problem
// is written, and the problem is reported); 2 when it cannot be read or written, or the
// options cannot be run (a dialect with JSON lines among them).
int run_export(const ExportOptions& options, std::FILE* errors);

}  // namespace loket
