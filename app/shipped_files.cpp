#include "app/shipped_files.hpp"

#include <array>
#include <filesystem>
#include <system_error>

namespace loket {

std::string shipped_file(std::string_view path) {
  namespace fs = std::filesystem;
  const fs::path given(path);
  std::error_code error;
  if (given.is_absolute() || fs::exists(given, error)) return std::string(path);
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (error) return std::string(path);
  const fs::path folder = executable.parent_path();
  const std::array<fs::path, 2> candidates = {folder / "../share/loket" / given,
                                              folder / "../.." / given};
  for (const fs::path& candidate : candidates) {
    if (fs::is_regular_file(candidate, error)) return candidate.lexically_normal().string();
  }
  return std::string(path);
}

}  // namespace loket
