// Test helpers for journals: a temporary folder, and a journal written by `loket allocate
// --data` from an events file.
#pragma once

#include <filesystem>
#include <string>

namespace loket::testing {

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

}  // namespace loket::testing
