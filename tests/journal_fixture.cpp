#include "tests/journal_fixture.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "app/allocate_command.hpp"
#include "tests/child_process.hpp"

namespace loket::testing {

namespace {
std::atomic<int> folder_count{0};
}

TempFolder::TempFolder(std::string_view name)
    : root_(std::filesystem::temp_directory_path() /
            fmt::format("loket-{}-{}-{}", name, ::getpid(), ++folder_count)) {
  std::filesystem::remove_all(root_);
  std::filesystem::create_directories(root_);
}

TempFolder::~TempFolder() {
  std::filesystem::remove_all(root_);
}

std::string TempFolder::path(std::string_view child) const {
  return (root_ / child).string();
}

std::string TempFolder::write(std::string_view child, std::string_view text) const {
  const std::string target = path(child);
  std::ofstream(target, std::ios::binary) << text;
  return target;
}

std::string window_lottery_scheme(std::size_t places) {
  return fmt::format(R"(
[scheme]
id = "window"
name = "Window lottery"
unique_participant = "scheme"
[[tranche]]
id = "w"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2020-12-02T08:00:00Z"
places = {}
ranking = "window_lottery"
)",
                     places);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string allocate_into(const std::string& scheme_path, const std::string& events_path,
                          const std::string& data_path) {
  const std::string out_path = data_path + ".decisions.jsonl";
  const AllocateOptions options{scheme_path, events_path, out_path, "", data_path};
  std::FILE* errors = std::tmpfile();
  const int exit_code = run_allocate(options, errors);
  std::rewind(errors);
  char buffer[4096];
  const std::size_t read = std::fread(buffer, 1, sizeof(buffer) - 1, errors);
  std::fclose(errors);
  INFO(std::string(buffer, read));
  REQUIRE(exit_code == 0);
  return read_text(out_path);
}

LoketRun run_loket(const std::vector<std::string>& arguments) {
  ChildProcess child(build_path("loket"), arguments);
  const int status = child.wait();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, child.log()};
}

std::string source_path(std::string_view relative) {
  return fmt::format("{}/{}", LOKET_SOURCE_DIR, relative);
}

std::string build_path(std::string_view relative) {
  return fmt::format("{}/{}", LOKET_BUILD_DIR, relative);
}

std::vector<std::string> loopback_serve_arguments(const std::string& scheme_path,
                                                  const std::string& data_path,
                                                  const std::vector<std::string>& extra) {
  std::vector<std::string> arguments = {
      "serve",       "--scheme", scheme_path,
      "--data",      data_path,  "--listen",
      "127.0.0.1:0", "--tokens", source_path("app/development-tokens.toml")};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return arguments;
}

}  // namespace loket::testing
