#include "tests/simulation_afterwards.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <vector>

#include "app/allocate_command.hpp"
#include "app/audit_command.hpp"
#include "app/export_command.hpp"
#include "tests/simulation_checks.hpp"

namespace loket::testing {
namespace {

namespace json = boost::json;

[[noreturn]] void fail(std::string message) {
  throw SimulationFailure(std::move(message));
}

std::string read_file(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) fail(fmt::format("{}: cannot read", path.string()));
  std::string text;
  char buffer[1 << 16];
  for (std::size_t read; (read = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) {
    text.append(buffer, read);
  }
  std::fclose(file);
  return text;
}

void write_file(const std::filesystem::path& path, std::string_view text) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr || std::fwrite(text.data(), 1, text.size(), file) != text.size() ||
      std::fclose(file) != 0) {
    fail(fmt::format("{}: cannot write", path.string()));
  }
}

// Runs one of the CLI commands with its messages in a temporary file; throws unless it exits 0.
template <typename Command>
void run_cli(std::string_view name, Command command) {
  std::FILE* errors = std::tmpfile();
  const int exit_code = command(errors);
  std::rewind(errors);
  char buffer[4096];
  const std::size_t read = std::fread(buffer, 1, sizeof(buffer), errors);
  std::fclose(errors);
  if (exit_code != 0) {
    fail(fmt::format("{} exited {}: {}", name, exit_code, std::string_view(buffer, read)));
  }
}

std::string export_journal(const TemporaryFolder& folder, std::string_view data,
                           std::string_view what, std::string_view format) {
  const std::filesystem::path out = folder / fmt::format("{}-{}.{}", data, what, format);
  run_cli(fmt::format("loket export --what {} --format {}", what, format), [&](std::FILE* errors) {
    return run_export(ExportOptions{(folder / data).string(), std::string(what),
                                    std::string(format), out.string()},
                      errors);
  });
  return read_file(out);
}

// The rows of a CSV text (RFC 4180), each a list of fields, with the spreadsheet-formula
// guard (a leading apostrophe before = + - @) taken off again. The header row is skipped.
std::vector<std::vector<std::string>> csv_rows(std::string_view text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  const auto end_field = [&] {
    if (field.size() >= 2 && field[0] == '\'' &&
        std::string_view("=+-@\t\r").find(field[1]) != std::string_view::npos) {
      field.erase(0, 1);
    }
    rows.back().push_back(std::move(field));
    field.clear();
  };
  for (std::size_t at = 0; at < text.size(); ++at) {
    const char c = text[at];
    if (quoted && c == '"' && at + 1 < text.size() && text[at + 1] == '"') {
      field += '"';
      ++at;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ',') {
      end_field();
    } else if (!quoted && c == '\r' && at + 1 < text.size() && text[at + 1] == '\n') {
      end_field();
      rows.emplace_back();
      ++at;
    } else {
      field += c;
    }
  }
  rows.pop_back();  // after the last row's end
  rows.erase(rows.begin());
  return rows;
}

std::string euros(std::int64_t cents) {
  // Unsigned, so that INT64_MIN's magnitude is not an overflow.
  const std::uint64_t magnitude = cents < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(cents)
                                            : static_cast<std::uint64_t>(cents);
  return fmt::format("{}{}.{:02}", cents < 0 ? "-" : "", magnitude / 100, magnitude % 100);
}

std::string text_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// The CSV columns a JSON line determines, as the CSV writes them.
std::vector<std::string> expected_cells(const json::object& line, bool decision) {
  const std::string seq = fmt::format("{}", line.at("seq").as_int64());
  if (decision && line.contains("type") && line.at("type") == "carry_over") {
    // R11: from and to name tranches; money fills the amount, places their own column.
    const json::value* places = line.if_contains("places");
    const std::int64_t units =
        places != nullptr ? places->as_int64() : line.at("amount_cents").as_int64();
    const std::string units_text = fmt::format("{}", units);
    return {seq,
            "carry_over",
            text_of(line, "from_tranche"),
            text_of(line, "from_tranche"),
            text_of(line, "to_tranche"),
            places != nullptr ? "" : units_text,
            places != nullptr ? "" : euros(units),
            places != nullptr ? units_text : ""};
  }
  if (decision && line.contains("type")) {
    const std::int64_t cents = line.at("amount_cents").as_int64();
    return {seq,
            "transfer",
            text_of(line, "tranche"),
            text_of(line, "from"),
            text_of(line, "to"),
            fmt::format("{}", cents),
            euros(cents)};
  }
  if (decision) {
    const std::int64_t cents = line.at("granted_cents").as_int64();
    return {seq,
            "application",
            text_of(line, "id"),
            text_of(line, "outcome"),
            text_of(line, "reason"),
            text_of(line, "field"),
            text_of(line, "compartment"),
            fmt::format("{}", cents),
            euros(cents)};
  }
  const json::value* amount = line.if_contains("amount_cents");
  const bool has_amount = amount != nullptr && amount->is_int64();
  return {seq,
          text_of(line, "received_at"),
          text_of(line, "type"),
          text_of(line, "tranche"),
          text_of(line, "id"),
          has_amount ? fmt::format("{}", amount->get_int64()) : "",
          has_amount ? euros(amount->get_int64()) : ""};
}

std::vector<std::string> csv_cells(const std::vector<std::string>& row, bool decision) {
  const auto pick = [&](std::initializer_list<std::size_t> columns) {
    std::vector<std::string> cells;
    for (const std::size_t column : columns) cells.push_back(row.at(column));
    return cells;
  };
  if (decision && row.at(2) == "transfer") return pick({0, 2, 3, 11, 12, 13, 14});
  if (decision && row.at(2) == "carry_over") return pick({0, 2, 3, 11, 12, 13, 14, 15});
  if (decision) return pick({0, 2, 4, 5, 6, 7, 8, 9, 10});
  return pick({0, 1, 2, 3, 4, 6, 7});
}

// Each CSV row says what its JSON line says.
void require_csv_agrees(std::string_view what, std::string_view json_lines, std::string_view csv,
                        bool decisions) {
  const auto rows = csv_rows(csv);
  std::size_t index = 0;
  for (std::size_t at = 0; at < json_lines.size(); ++index) {
    const std::size_t end = json_lines.find('\n', at);
    const std::string_view line = json_lines.substr(at, end - at);
    at = end + 1;
    if (index >= rows.size()) fail(fmt::format("{}: no row {} for {:.300}", what, index + 1, line));
    const auto expected = expected_cells(json::parse(line).as_object(), decisions);
    const auto got = csv_cells(rows[index], decisions);
    if (expected != got) {
      fail(fmt::format("{} row {}: [{}] where the JSON line {:.300} says [{}]", what, index + 1,
                       fmt::join(got, "|"), line, fmt::join(expected, "|")));
    }
  }
  if (index != rows.size()) fail(fmt::format("{}: {} rows for {} lines", what, rows.size(), index));
}

}  // namespace

TemporaryFolder::TemporaryFolder(std::string_view name)
    : path_(std::filesystem::temp_directory_path() / fmt::format("loket-{}-{}", name, ::getpid())) {
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TemporaryFolder::~TemporaryFolder() {
  std::filesystem::remove_all(path_);
}

void audit_export_and_allocate_again(const FinishedRun& run) {
  const TemporaryFolder& folder = run.folder;
  run_cli("loket audit", [&](std::FILE* errors) {
    return run_audit(AuditOptions{(folder / "journal").string(), "", {}, ""}, errors, errors);
  });
  require_same("the exported decisions (expected: live)", run.decision_lines,
               export_journal(folder, "journal", "decisions", "jsonl"));
  require_csv_agrees("the decisions' CSV export", run.decision_lines,
                     export_journal(folder, "journal", "decisions", "csv"), true);
  const std::string events = export_journal(folder, "journal", "events", "jsonl");
  require_csv_agrees("the events' CSV export", events,
                     export_journal(folder, "journal", "events", "csv"), false);

  write_file(folder / "scheme.toml", run.scheme_text);
  write_file(folder / "events.jsonl", events);
  const AllocateOptions options{
      (folder / "scheme.toml").string(), (folder / "events.jsonl").string(),
      (folder / "again.jsonl").string(), "", (folder / "journal-again").string()};
  run_cli("loket allocate", [&](std::FILE* errors) { return run_allocate(options, errors); });
  require_same("the decisions of the exported events allocated again (expected: live)",
               run.decision_lines, read_file(folder / "again.jsonl"));
  require_same("the events exported from the second journal (expected: the first's)", events,
               export_journal(folder, "journal-again", "events", "jsonl"));
}

}  // namespace loket::testing
