// `loket allocate` end to end through run_allocate: output bytes, summary, and errors that
// name the file, the line and the field.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/allocate_command.hpp"
#include "app/file_text.hpp"
#include "engine/limits.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using loket::testing::LoketRun;
using loket::testing::run_loket;
using loket::testing::source_path;

namespace {

struct CliRun {
  int exit_code = 0;
  std::string out;
  std::string errors;
};

class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() /
              fmt::format("loket-cli-{}-{}", ::getpid(), ++count_)) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, std::string_view text) const {
    const std::string path = (path_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int count_ = 0;
  std::filesystem::path path_;
};

CliRun run(const std::string& scheme, const std::string& events, const TempDir& dir) {
  AllocateOptions options{scheme, events, dir.path("out.jsonl"), "", ""};
  std::FILE* errors = std::tmpfile();
  CliRun result;
  result.exit_code = run_allocate(options, errors);
  std::rewind(errors);
  char buffer[4096];
  while (const std::size_t read = std::fread(buffer, 1, sizeof(buffer), errors)) {
    result.errors.append(buffer, read);
  }
  std::fclose(errors);
  result.out = read_file_text(dir.path("out.jsonl"), 1 << 26).value_or("");
  return result;
}

const std::string advice_scheme = source_path("schemes/ontwikkeladvies.toml");

constexpr std::string_view line1 =
    R"({"type":"submit","seq":1,"received_at":"2020-12-01T08:00:00Z","tranche":"t2","id":"A-1","participant":"p1"})";
constexpr std::string_view line2 =
    R"({"type":"submit","seq":2,"received_at":"2020-12-01T08:00:01Z","tranche":"t2","id":"A-2","participant":"p2"})";

}  // namespace

TEST_CASE("allocate decides the shipped sector sample: every euro of EUR 71.5 million") {
  TempDir dir;
  const CliRun result = run(source_path("schemes/sectoraal-maatwerk-2021.toml"),
                            source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), dir);
  INFO(result.errors);
  REQUIRE(result.exit_code == 0);
  CHECK(result.errors.find("37 events; applications: 28 granted, 0 pending, 0 waitlisted, "
                           "8 rejected; 1 transfers; EUR 71500000.00 granted") !=
        std::string::npos);
  CHECK(result.out.find(
            R"({"type":"transfer","seq":37,"tranche":"2021","from":"small","to":"large",)") !=
        std::string::npos);
  // Determinism: a second run writes the same bytes.
  CHECK(run(source_path("schemes/sectoraal-maatwerk-2021.toml"),
            source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), dir)
            .out == result.out);
}

TEST_CASE("allocate decides the shipped STAP windows: a carry-over serves a waiting application") {
  TempDir dir;
  const CliRun result = run(source_path("schemes/stap-tijdvakken-2023.toml"),
                            source_path("docs/examples/stap-tijdvakken-2023.jsonl"), dir);
  INFO(result.errors);
  REQUIRE(result.exit_code == 0);
  CHECK(result.errors.find("18 events; applications: 12 granted, 0 pending, 0 waitlisted, "
                           "4 rejected; 0 transfers; 2 carry-overs; EUR 8343.50 granted") !=
        std::string::npos);
  // w1's late close carries EUR 1,151.50 into w2 and serves the two waiting there, in order.
  CHECK(
      result.out.find(
          R"({"type":"carry_over","seq":14,"from_tranche":"w1","to_tranche":"w2","amount_cents":115150})"
          "\n"
          R"({"seq":14,"id":"STAP-W2-0006","outcome":"granted","reason":null,"compartment":"stap","granted_cents":60000})"
          "\n"
          R"({"seq":14,"id":"STAP-W2-0007","outcome":"granted","reason":null,"compartment":"stap","granted_cents":12000})") !=
      std::string::npos);
  CHECK(
      result.out.find(
          R"({"type":"carry_over","seq":17,"from_tranche":"w2","to_tranche":"w3","amount_cents":15650})") !=
      std::string::npos);
}

TEST_CASE("allocate stops at a malformed line and names file, line and field") {
  TempDir dir;
  struct Row {
    const char* name;
    std::string events;
    std::string error;
  };
  const std::vector<Row> rows = {
      {"bad JSON", fmt::format("{}\n{{oops\n", line1), ":2: not valid JSON"},
      {"a gap in the sequence",
       fmt::format("{}\n{}\n", line1,
                   std::string(line2).replace(line2.find("\"seq\":2"), 7, "\"seq\":3")),
       ":2: field 'seq': 3 where 2 was expected (dense, from 1)"},
      {"not starting at 1", fmt::format("{}\n", line2), ":1: field 'seq': 2 where 1 was expected"},
      {"time going backwards",
       fmt::format("{}\n{}\n", std::string(line1).replace(line1.find("08:00:00Z"), 9, "09:00:00Z"),
                   line2),
       ":2: field 'received_at': earlier than the previous event's"},
      {"an empty line", fmt::format("{}\n\n{}\n", line1, line2), ":2: not valid JSON"},
      {"a refused operator event",
       fmt::format(
           "{}\n{}\n", line1,
           R"({"type":"close","seq":2,"received_at":"2020-12-02T08:00:00Z","tranche":"t9"})"),
       ":2: refused (unknown_tranche): the tranche does not exist in this scheme"},
      {"a reused id",
       fmt::format("{}\n{}\n", line1, std::string(line2).replace(line2.find("A-2"), 3, "A-1")),
       ":2: refused (duplicate_application_id)"},
  };
  for (const Row& row : rows) {
    SECTION(row.name) {
      const std::string events = dir.file("events.jsonl", row.events);
      const CliRun result = run(advice_scheme, events, dir);
      CHECK(result.exit_code == 1);
      INFO(result.errors);
      CHECK(result.errors.find(events + row.error) != std::string::npos);
    }
  }
}

TEST_CASE("allocate reports unreadable and invalid scheme files by name") {
  TempDir dir;
  const std::string events = dir.file("events.jsonl", fmt::format("{}\n", line1));
  const CliRun missing = run(dir.path("nope.toml"), events, dir);
  CHECK(missing.exit_code == 1);
  CHECK(missing.errors.find("nope.toml: cannot read: No such file or directory") !=
        std::string::npos);
  const std::string bad = dir.file("bad.toml", "[scheme]\nid = \"x\"\n");
  const CliRun invalid = run(bad, events, dir);
  CHECK(invalid.exit_code == 1);
  CHECK(invalid.errors.find("bad.toml:1: scheme.name: missing") != std::string::npos);
}

TEST_CASE("audit under another scheme names the first difference and never aborts", "[process]") {
  loket::testing::TempFolder folder("audit-other");
  const std::string data = folder.path("journal");
  loket::testing::allocate_into(source_path("schemes/sectoraal-maatwerk-2021.toml"),
                                source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), data);
  for (const std::string other :
       {"ontwikkeladvies.toml", "rehearsal.toml", "loting-voorbeeld.toml"}) {
    const LoketRun run =
        run_loket({"audit", "--data", data, "--scheme", source_path("schemes/" + other)});
    INFO(other << ": " << run.output);
    CHECK(run.exit_code == 1);
    CHECK(run.output.find("record 1: decisions differ") != std::string::npos);
  }
}

TEST_CASE("No command ends in an uncaught exception: a message and a non-zero exit", "[process]") {
  loket::testing::TempFolder folder("cli-errors");
  const std::string data = folder.path("journal");
  loket::testing::allocate_into(source_path("schemes/sectoraal-maatwerk-2021.toml"),
                                source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), data);
  const std::string not_a_folder = folder.write("file", "x");
  const std::string rehearsal = source_path("schemes/rehearsal.toml");
  const std::string tokens = source_path("app/development-tokens.toml");
  // A port of this process's, bound but not listening: connections to it are refused.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket closed(io);
  closed.open(boost::asio::ip::tcp::v4());
  closed.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string closed_port_url =
      fmt::format("http://127.0.0.1:{}", closed.local_endpoint().port());
  const std::vector<std::vector<std::string>> runs = {
      {"allocate", "--scheme", rehearsal, "--events", folder.path("")},
      {"allocate", "--scheme", not_a_folder, "--events", not_a_folder},
      {"allocate", "--scheme", rehearsal, "--events", not_a_folder, "--data", not_a_folder},
      {"audit", "--data", not_a_folder},
      {"audit", "--data", data, "--scheme", not_a_folder},
      {"audit", "--data", data, "--scheme", source_path("schemes/ontwikkeladvies.toml")},
      {"export", "--data", data, "--what", "events", "--format", "csv", "--out", folder.path("")},
      {"export", "--data", not_a_folder, "--what", "decisions", "--format", "jsonl"},
      {"report", "--data", data, "--out", folder.path("")},
      {"report", "--data", not_a_folder},
      {"serve", "--data", not_a_folder, "--scheme", rehearsal, "--tokens", tokens, "--listen",
       "127.0.0.1:0"},
      {"serve", "--data", data, "--scheme", rehearsal, "--tokens", tokens, "--listen",
       "127.0.0.1:0"},
      {"serve", "--data", folder.path("new"), "--scheme", rehearsal, "--tokens", tokens, "--listen",
       "localhost:http"},
      {"demo", "--scheme", rehearsal, "--data", data},
      {"demo", "--scheme", not_a_folder, "--data", folder.path("demo")},
      {"demo", "--scheme", folder.write("empty.toml", ""), "--data", folder.path("demo-empty")},
      {"loadtest", "--tranche", "t2", "--target", closed_port_url, "--registrations", "1",
       "--duration", "1"},
      {"loadtest", "--tranche", "t2", "--target", "http://host.invalid:1", "--registrations", "1",
       "--duration", "1"},
  };
  for (const std::vector<std::string>& arguments : runs) {
    const LoketRun run = run_loket(arguments);
    INFO(fmt::format("loket {}: {}", fmt::join(arguments, " "), run.output));
    CHECK(run.exit_code > 0);
    CHECK(run.output.find("loket " + arguments[0] + ": ") != std::string::npos);
    CHECK(run.output.find("terminate called") == std::string::npos);
    CHECK(run.output.find("unexpected error") == std::string::npos);  // main's catch-all
  }
  // A scheme that does not parse makes no journal folder.
  CHECK_FALSE(std::filesystem::exists(folder.path("demo")));
  CHECK_FALSE(std::filesystem::exists(folder.path("demo-empty")));
}

namespace {

// A line of exactly `bytes` bytes (without its line end) that is a valid event: line1 with
// spaces before its closing brace.
std::string event_line_of(std::size_t bytes) {
  REQUIRE(bytes >= line1.size());
  std::string line(line1.substr(0, line1.size() - 1));
  line.append(bytes - line1.size(), ' ');
  line += '}';
  return line;
}

struct MeasuredRun {
  int exit_code = -1;
  std::string errors;
  std::size_t peak_rss_bytes = 0;
};

// Runs the real `loket` and measures its peak resident set (the kernel's ru_maxrss for this
// child alone, from wait4).
MeasuredRun run_measured(const std::vector<std::string>& arguments, const std::string& errors) {
  const std::string program = loket::testing::build_path("loket");
  std::vector<char*> argv{const_cast<char*>(program.c_str())};
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(spawned == 0);
  int status = 0;
  rusage usage{};
  REQUIRE(::wait4(pid, &status, 0, &usage) == pid);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, loket::testing::read_text(errors),
          static_cast<std::size_t>(usage.ru_maxrss) * 1024};  // ru_maxrss is in KiB
}

}  // namespace

TEST_CASE("allocate takes lines up to the limit and refuses a longer one by file and line") {
  TempDir dir;
  for (const std::size_t bytes : {limits::event_line_bytes_max - 1, limits::event_line_bytes_max}) {
    for (const std::string_view line_end : {"\n", ""}) {  // the last line may end without one
      const std::string events = dir.file("events.jsonl", event_line_of(bytes) + line_end.data());
      const CliRun result = run(advice_scheme, events, dir);
      INFO(bytes << " bytes: " << result.errors);
      CHECK(result.exit_code == 0);
      CHECK(result.errors.find("1 events") != std::string::npos);
    }
  }
  const std::string events =
      dir.file("events.jsonl",
               fmt::format("{}\n{}\n", line1, event_line_of(limits::event_line_bytes_max + 1)));
  const CliRun result = run(advice_scheme, events, dir);
  CHECK(result.exit_code == 1);
  INFO(result.errors);
  CHECK(result.errors.find(events + ":2: line longer than 65536 bytes") != std::string::npos);
}

TEST_CASE("allocate refuses a huge line without ever holding it", "[process]") {
  TempDir dir;
  // Both runs decide one event first, so that they differ only in the huge second line.
  const std::string small = dir.file("small.jsonl", fmt::format("{}\n", line1));
  constexpr std::size_t huge_line_bytes = std::size_t{64} << 20;
  const std::string huge = dir.path("huge.jsonl");
  {
    std::ofstream out(huge, std::ios::binary);
    out << line1 << "\n{\"id\":\"";
    const std::string megabyte(std::size_t{1} << 20, 'x');
    for (std::size_t written = 0; written < huge_line_bytes; written += megabyte.size()) {
      out << megabyte;
    }
    out << "\"}\n";
  }
  const MeasuredRun baseline = run_measured(
      {"allocate", "--scheme", advice_scheme, "--events", small, "--out", dir.path("out-1")},
      dir.path("errors-1"));
  INFO(baseline.errors);
  REQUIRE(baseline.exit_code == 0);
  const MeasuredRun refused = run_measured(
      {"allocate", "--scheme", advice_scheme, "--events", huge, "--out", dir.path("out-2")},
      dir.path("errors-2"));
  INFO(refused.errors);
  CHECK(refused.exit_code == 1);
  CHECK(refused.errors.find(huge + ":2: line longer than 65536 bytes") != std::string::npos);
  fmt::print("allocate: a line of {} MiB refused; peak RSS {:.1f} MiB, {:.1f} MiB for one event\n",
             huge_line_bytes >> 20, static_cast<double>(refused.peak_rss_bytes) / (1 << 20),
             static_cast<double>(baseline.peak_rss_bytes) / (1 << 20));
  // What the line may cost: its limit and the read buffer, far below the line itself.
  constexpr std::size_t extra_bytes_max = std::size_t{8} << 20;
  CHECK(refused.peak_rss_bytes < baseline.peak_rss_bytes + extra_bytes_max);
}
