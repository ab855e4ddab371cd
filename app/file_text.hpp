// Whole-file reads for the command-line tools, with a byte limit and an error that names the
// file; and line by line reads that never hold more than a line's limit.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"

namespace loket {

// The file's text, or an I/O error "PATH: cannot read: <reason>" (or an invalid argument
// "PATH: larger than N bytes").
Result<std::string> read_file_text(const std::string& path, std::size_t bytes_max);

// Reads a file line by line, holding at most `line_bytes_max` bytes of a line (and a fixed
// 64 KiB buffer) whatever the file holds: a longer line is refused as soon as it is longer,
// not after it was read whole. Lines end in '\n', which is not part of the line; the last line
// may end without one. The file stays the caller's.
class LineReader {
 public:
  enum class Result : std::uint8_t { line, end, too_long, read_error };

  LineReader(std::FILE* file, std::size_t line_bytes_max);
  // The next line in `line` (valid until the next call) on Result::line.
  Result next(std::string_view& line);

 private:
  bool refill();  // false at the end of the file or on a read error

  std::FILE* file_;
  std::size_t line_bytes_max_;
  std::vector<char> chunk_;
  std::size_t chunk_begin_ = 0;
  std::size_t chunk_end_ = 0;
  std::string line_;
};

}  // namespace loket
