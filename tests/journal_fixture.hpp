// Test helpers for journals: a temporary folder, and a journal written by `loket allocate
// --data` from an events file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace loket::testing {

// A scheme of one arrival tranche of 1,000 places, open through 2021: for journal tests.
inline constexpr std::string_view tiny_scheme = R"(
[scheme]
id = "tiny"
name = "Tiny"
unique_participant = "scheme"
[[tranche]]
id = "t"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-01T08:00:00Z"
places = 1000
ranking = "arrival"
)";

// A scheme of one window_lottery tranche "w" of `places`, open on 2020-12-01 only.
std::string window_lottery_scheme(std::size_t places);

// The lines of `text`, without their newlines.
std::vector<std::string> lines_of(const std::string& text);

class TempFolder {
 public:
  explicit TempFolder(std::string_view name);
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  std::string path(std::string_view child = "") const;
  std::string write(std::string_view child, std::string_view text) const;

 private:
  std::filesystem::path root_;
};

// Runs allocate with --data; REQUIREs success; returns its decision lines.
std::string allocate_into(const std::string& scheme_path, const std::string& events_path,
                          const std::string& data_path);

std::string source_path(std::string_view relative);
// A file of this build: build_path("loket"), build_path("tests/loket_fault_serve").
std::string build_path(std::string_view relative);
std::string read_text(const std::string& path);

// Runs the real `loket` with these arguments to its end. exit_code is -1 when it did not exit
// by itself (an abort, a signal); output is its standard output and error together.
struct LoketRun {
  int exit_code = -1;
  std::string output;
};
LoketRun run_loket(const std::vector<std::string>& arguments);

// `loket serve` of `scheme_path` on the journal in `data_path`, on any free loopback port,
// with the development tokens; `extra` follows.
std::vector<std::string> loopback_serve_arguments(const std::string& scheme_path,
                                                  const std::string& data_path,
                                                  const std::vector<std::string>& extra = {});

}  // namespace loket::testing
