// Whole-file reads for the command-line tools, with a byte limit and an error that names the
// file.
#pragma once

#include <optional>
#include <string>

namespace loket {

struct FileText {
  std::optional<std::string> text;
  std::string error;  // "PATH: cannot read: <reason>" when text is empty
};

FileText read_file_text(const std::string& path, std::size_t bytes_max);

}  // namespace loket
