#include "app/export_command.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "parse/scheme_toml.hpp"
#include "storage/export_rows.hpp"
#include "storage/replay.hpp"

namespace loket {

constexpr std::size_t output_flush_bytes = 1 << 20;

namespace {

struct ExportFormat {
  ExportKind kind;
  CsvDialect dialect;
};

// The export the options ask for, or nothing when they cannot be run (each reported).
std::optional<ExportFormat> checked_format(const ExportOptions& options, std::FILE* errors) {
  if (options.what != "events" && options.what != "decisions") {
    fmt::print(errors, "loket export: --what must be events or decisions, not '{}'\n",
               options.what);
    return std::nullopt;
  }
  const std::optional<ExportKind> kind = export_kind(options.what, options.format);
  if (!kind) {
    fmt::print(errors, "loket export: --format must be jsonl or csv, not '{}'\n", options.format);
    return std::nullopt;
  }
  const std::optional<CsvDialect> dialect =
      csv_dialect_named(options.dialect.empty() ? rfc4180_dialect.name : options.dialect);
  if (!dialect) {
    fmt::print(errors, "loket export: --dialect must be rfc4180 or excel-nl, not '{}'\n",
               options.dialect);
    return std::nullopt;
  }
  if (!options.dialect.empty() && !is_csv(*kind)) {
    fmt::print(
        errors,
        "loket export: --dialect applies to CSV only: add --format csv or leave --dialect out\n");
    return std::nullopt;
  }
  return ExportFormat{*kind, *dialect};
}

}  // namespace

int run_export(const ExportOptions& options, std::FILE* errors) {
  const std::optional<ExportFormat> format = checked_format(options, errors);
  if (!format) return 2;
  JournalOpenResult opened = Journal::open(options.data_path, JournalOptions{{}, nullptr, true});
  if (!opened.ok()) {
    fmt::print(errors, "loket export: {}\n", opened.status().message());
    return 2;
  }
  const Result<Scheme> parsed =
      parse_scheme(opened->journal->scheme_text(), options.data_path + " (header)");
  if (!parsed.ok()) {
    fmt::print(errors, "loket export: {}\n", parsed.status().message());
    return 2;
  }
  const Scheme& scheme = *parsed;
  const bool to_stdout = options.out_path.empty();
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(
      to_stdout ? stdout : std::fopen(options.out_path.c_str(), "wb"),
      to_stdout ? [](std::FILE*) { return 0; } : &std::fclose);
  if (!out) {
    fmt::print(errors, "loket export: {}: cannot write: {}\n", options.out_path,
               std::strerror(errno));
    return 2;
  }

  std::string buffer = export_header(format->kind, format->dialect);
  bool write_failed = false;
  const auto flush = [&] {
    write_failed =
        write_failed || std::fwrite(buffer.data(), 1, buffer.size(), out.get()) != buffer.size();
    buffer.clear();
  };
  const JournalSummary summary = verify_records(*opened->journal, [&](const JournalRecord& record) {
    append_export_rows(buffer, format->kind, format->dialect, scheme, record);
    if (buffer.size() >= output_flush_bytes) flush();
    return true;
  });
  flush();
  if (write_failed || std::fflush(out.get()) != 0) {
    fmt::print(errors, "loket export: {}: write error: {}\n",
               to_stdout ? "<stdout>" : options.out_path, std::strerror(errno));
    return 2;
  }
  if (summary.problem) {
    fmt::print(errors, "loket export: {}: record {}: {}; exported records 1-{} only\n",
               options.data_path, summary.problem->sequence, summary.problem->what,
               summary.last_sequence);
    return 1;
  }
  return 0;
}

}  // namespace loket
