// A one-line progress bar for long runs, drawn only when the stream is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace loket {

class ProgressBar {
 public:
  ProgressBar(std::FILE* stream, std::string_view label, std::uint64_t total);
  void update(std::uint64_t done);
  void finish();  // clears the line

 private:
  std::FILE* stream_;
  std::string_view label_;
  std::uint64_t total_;
  bool enabled_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace loket
