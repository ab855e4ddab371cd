// After a simulation run: what an auditor and an operator do with the journal, offline, through
// the CLI commands themselves. `loket audit` must pass; `loket export` must give the live
// decisions as JSON lines, and CSV rows that say the same as the JSON lines; `loket allocate`
// on the exported events must give the live decisions byte for byte, and a journal whose
// export is the same events again. Throws SimulationFailure at the first difference.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace loket::testing {

// A folder of its own under the system's temporary folder, removed with everything in it.
class TemporaryFolder {
 public:
  explicit TemporaryFolder(std::string_view name);
  ~TemporaryFolder();
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  std::filesystem::path operator/(std::string_view child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

struct FinishedRun {
  const TemporaryFolder& folder;  // holds the closed journal in "journal"
  std::string_view scheme_text;
  std::string_view decision_lines;  // every live decision, as `loket allocate` prints them
};

void audit_export_and_allocate_again(const FinishedRun& run);

}  // namespace loket::testing
