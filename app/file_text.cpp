#include "app/file_text.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace loket {

FileText read_file_text(const std::string& path, std::size_t bytes_max) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file) return {std::nullopt, fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
  std::string text;
  char buffer[1 << 16];
  while (const std::size_t read = std::fread(buffer, 1, sizeof(buffer), file.get())) {
    text.append(buffer, read);
    if (text.size() > bytes_max) {
      return {std::nullopt, fmt::format("{}: larger than {} bytes", path, bytes_max)};
    }
  }
  if (std::ferror(file.get())) {
    return {std::nullopt, fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
  }
  return {std::move(text), {}};
}

}  // namespace loket
