// Strict recovery [journal-damage]: a journal's folder with one byte changed anywhere (the
// write-ahead log, the tables, the MANIFEST, CURRENT, OPTIONS, ...) either refuses to open or
// read, naming the problem, or reads back exactly as it was; never a shorter journal passed
// off as the whole. A torn last write (the write-ahead log cut anywhere inside it) is dropped,
// and the journal opens on every write before it without complaint.
#include <fcntl.h>
#include <fmt/format.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/recovery.hpp"
#include "storage/durable_mark.hpp"
#include "storage/replay.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/journal_writer.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// Every open costs ten times as much under a sanitizer: there, every 7th byte (a prime, so
// that the sample falls on every field of a repeating layout), and every byte in the dev build.
constexpr std::size_t byte_stride = 7;
#else
constexpr std::size_t byte_stride = 1;
#endif
constexpr std::size_t options_byte_stride = 61 * byte_stride;
// A table's footer (format version 5): checksum type, two block handles padded to 40 bytes,
// the format version and the magic number.
constexpr std::size_t table_footer_bytes = 53;
constexpr std::size_t log_block_bytes = 32768;  // RocksDB's log format

// What a reader (audit, export, report) gets from a folder: its records, or the problem.
struct ReadBack {
  std::string problem;  // empty when the journal opened and verified
  std::vector<std::string> records;
  std::string scheme_text;
};

ReadBack read_back(const std::string& folder) {
  JournalOpenResult opened = Journal::open(folder, JournalOptions{{}, nullptr, true});
  if (!opened.ok()) return {opened.status().message(), {}, {}};
  ReadBack result;
  const JournalSummary summary = verify_records(*opened->journal);
  if (summary.problem) {
    result.problem = fmt::format("record {}: {}", summary.problem->sequence, summary.problem->what);
    return result;
  }
  for (auto cursor = opened->journal->records(1); cursor.valid(); cursor.next()) {
    result.records.emplace_back(reinterpret_cast<const char*>(cursor.bytes().data()),
                                cursor.bytes().size());
  }
  result.scheme_text = opened->journal->scheme_text();
  return result;
}

void flip_byte(const std::string& path, std::size_t position) {
  const int fd = ::open(path.c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  char byte = 0;
  REQUIRE(::pread(fd, &byte, 1, static_cast<off_t>(position)) == 1);
  byte = static_cast<char>(byte ^ 0x01);
  REQUIRE(::pwrite(fd, &byte, 1, static_cast<off_t>(position)) == 1);
  ::close(fd);
}

// Empty when the records are the ones written; otherwise how they differ.
std::string difference(const std::vector<std::string>& read,
                       const std::vector<std::string>& written) {
  if (read.size() != written.size()) {
    return fmt::format("{} records read where {} were written", read.size(), written.size());
  }
  for (std::size_t index = 0; index < read.size(); ++index) {
    if (read[index] != written[index]) return fmt::format("record {} differs", index + 1);
  }
  return {};
}

struct FlipCounts {
  std::size_t refused = 0;
  std::size_t identical = 0;
};

// Flips every byte (every byte_stride-th) of every file in the folder, one at a time, and
// checks each variant; returns the counts by file.
std::map<std::string, FlipCounts> flip_every_byte(const std::string& folder,
                                                  const std::vector<std::string>& originals) {
  std::map<std::string, FlipCounts> counts;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    const std::string path = entry.path().string();
    const std::string name = entry.path().filename().string();
    const std::size_t size = std::filesystem::file_size(path);
    // RocksDB never reads its OPTIONS files when it opens a database (the journal's options
    // are set in code): a sample of their bytes shows it, at a fraction of the time.
    const std::size_t stride = name.starts_with("OPTIONS-") ? options_byte_stride : byte_stride;
    for (std::size_t position = 0; position < size; position += stride) {
      flip_byte(path, position);
      const ReadBack read = read_back(folder);
      flip_byte(path, position);  // and back
      INFO(name << " byte " << position << " of " << size << ": " << read.problem);
      if (read.problem.empty()) {
        REQUIRE(difference(read.records, originals) == "");  // never a silent pass
        REQUIRE(read.scheme_text == tiny_scheme);
        // In a table, only the padding in its footer is never read.
        if (entry.path().extension() == ".sst") REQUIRE(position >= size - table_footer_bytes);
        ++counts[name].identical;
      } else {
        // loket checks the log files itself and names the file; RocksDB's messages for a
        // table sometimes name the MANIFEST that lists it.
        if (name.starts_with("MANIFEST-") || name.ends_with(".log")) {
          CHECK(read.problem.find(name + ", byte ") != std::string::npos);
        }
        ++counts[name].refused;
      }
    }
  }
  return counts;
}

void print_counts(std::string_view layout, const std::map<std::string, FlipCounts>& counts) {
  std::string text;
  for (const auto& [name, count] : counts) {
    text += fmt::format(" {} {}/{};", name, count.refused, count.refused + count.identical);
  }
  fmt::print("journal damage ({}, every {} byte(s)): refused/changed by file:{}\n", layout,
             byte_stride, text);
}

// 40 records in writes of 1, 2, 3, 5, 9, then 1, 7, 12. With a restart after the first 20, as a
// server's: opening for writing moves what the log holds into a table, and the rest goes to a
// new log.
std::vector<std::string> build_journal(const std::string& path, bool restart_midway) {
  BatchWriter writer;
  {
    std::unique_ptr<Journal> journal = open_for_writing(path);
    for (const std::size_t records : {1u, 2u, 3u, 5u, 9u}) writer.write(*journal, records);
    if (restart_midway) {
      journal.reset();
      journal = open_for_writing(path);
    }
    for (const std::size_t records : {1u, 7u, 12u}) writer.write(*journal, records);
  }
  const ReadBack original = read_back(path);
  REQUIRE(original.problem.empty());
  REQUIRE(original.records.size() == 40);
  return original.records;
}

bool has_file_with_extension(const std::string& folder, std::string_view extension) {
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == extension) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("A journal with any one byte changed refuses to open or reads back identically",
          "[journal-damage][process]") {
  TempFolder folder("damage");
  const std::string journal = folder.path("journal");
  SECTION("everything in the write-ahead log") {
    const std::vector<std::string> records = build_journal(journal, false);
    REQUIRE_FALSE(has_file_with_extension(journal, ".sst"));
    const auto counts = flip_every_byte(journal, records);
    print_counts("write-ahead log", counts);
    // Every byte of the log is covered by a checksum: each change refuses.
    const auto log = counts.find(std::filesystem::path(wal_path(journal)).filename().string());
    REQUIRE(log != counts.end());
    CHECK(log->second.identical == 0);
  }
  SECTION("after a restart: the first records in a table, the rest in a log") {
    const std::vector<std::string> records = build_journal(journal, true);
    REQUIRE(has_file_with_extension(journal, ".sst"));
    const auto counts = flip_every_byte(journal, records);
    print_counts("table and log", counts);
  }
}

TEST_CASE("A torn last write is dropped, and the journal opens on every write before it",
          "[journal-damage][process]") {
  TempFolder folder("torn-write");
  const std::string journal = folder.path("journal");
  BatchWriter writer;
  std::size_t records_before_last = 0;
  std::uint64_t log_bytes_before_last = 0;
  std::string mark_before_last;
  {
    const std::unique_ptr<Journal> writing = open_for_writing(journal);
    // Writes of one record of about 1.2 KiB until the log is within 1.5 KiB of the end of its
    // first 32 KiB block; then a last write of two that crosses into the next, in two fragments.
    constexpr std::size_t monitoring_bytes = 1000;
    while (std::filesystem::file_size(wal_path(journal)) < log_block_bytes - 1500) {
      writer.write(*writing, 1, monitoring_bytes);
      records_before_last += 1;
    }
    log_bytes_before_last = std::filesystem::file_size(wal_path(journal));
    mark_before_last = read_text(mark_path(journal));
    writer.write(*writing, 2, monitoring_bytes);
  }
  // A crash while writing: the last write was never acknowledged, so the durable mark never
  // named it.
  std::ofstream(mark_path(journal), std::ios::binary | std::ios::trunc) << mark_before_last;
  const std::string log = wal_path(journal);
  const std::string log_bytes = read_text(log);
  REQUIRE(log_bytes_before_last < log_block_bytes);
  REQUIRE(log_bytes.size() > log_block_bytes);  // the last write is in two blocks
  const std::vector<std::string> written = read_back(journal).records;
  REQUIRE(written.size() == records_before_last + 2);
  const std::vector<std::string> before_last(written.begin(),
                                             written.begin() + std::ptrdiff_t(records_before_last));

  // From the longest cut to the shortest, so that each is one truncation of the file.
  std::size_t torn = 0;
  for (std::size_t cut = 1; cut <= log_bytes.size() - log_bytes_before_last; cut += byte_stride) {
    const std::size_t length = log_bytes.size() - cut;
    std::filesystem::resize_file(log, length);
    const ReadBack read = read_back(journal);
    INFO("the log cut at byte " << length << " of " << log_bytes.size() << ": " << read.problem);
    REQUIRE(read.problem == "");
    REQUIRE(difference(read.records, before_last) == "");
    ++torn;
  }
  std::ofstream(log, std::ios::binary | std::ios::trunc) << log_bytes;
  // Zeros after the last write (room the file system reserved) are no damage either.
  std::ofstream(log, std::ios::binary | std::ios::app) << std::string(100, '\0');
  const ReadBack zeros = read_back(journal);
  REQUIRE(zeros.problem == "");
  CHECK(difference(zeros.records, written) == "");

  // The server: recovery drops the torn write, and the journal goes on from the write before.
  std::ofstream(log, std::ios::binary | std::ios::trunc) << log_bytes;
  std::filesystem::resize_file(log, log_bytes.size() - 100);
  {
    Result<Recovered> recovered = recover_journal(journal, std::string(tiny_scheme));
    INFO(recovered.status().message());
    REQUIRE(recovered.ok());
    CHECK(recovered->summary.records == records_before_last);
  }
  CHECK(difference(read_back(journal).records, before_last) == "");
  fmt::print("journal damage: a torn last write of {} bytes cut at {} places, each dropped\n",
             log_bytes.size() - log_bytes_before_last, torn);
}

TEST_CASE(
    "A journal changed in the middle of its log: audit, export and report fail naming the "
    "file, serve refuses to start and says what to do",
    "[journal-damage][process]") {
  TempFolder folder("damaged-cli");
  const std::string journal = folder.path("journal");
  const std::string scheme = source_path("schemes/sectoraal-maatwerk-2021.toml");
  allocate_into(scheme, source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), journal);
  const std::string log = wal_path(journal);
  const std::string log_name = std::filesystem::path(log).filename().string();
  flip_byte(log, std::filesystem::file_size(log) / 2);
  const std::vector<std::vector<std::string>> readers = {
      {"audit", "--data", journal},
      {"export", "--data", journal, "--what", "events", "--format", "csv", "--out",
       folder.path("events.csv")},
      {"report", "--data", journal, "--out", folder.path("report.html")}};
  for (const std::vector<std::string>& arguments : readers) {
    const LoketRun run = run_loket(arguments);
    INFO(run.output);
    CHECK(run.exit_code == 2);
    CHECK(run.output.find(fmt::format("loket {}: {}: the journal is damaged: {}, byte ",
                                      arguments[0], journal, log_name)) != std::string::npos);
  }
  const LoketRun serve =
      run_loket({"serve", "--data", journal, "--scheme", scheme, "--listen", "127.0.0.1:0",
                 "--tokens", source_path("app/development-tokens.toml")});
  INFO(serve.output);
  CHECK(serve.exit_code != 0);
  CHECK(serve.output.find(fmt::format("loket serve: {}: the journal is damaged: {}, byte ", journal,
                                      log_name)) != std::string::npos);
  CHECK(serve.output.find("restore the journal from its backup") != std::string::npos);
  CHECK(serve.output.find("listening") == std::string::npos);
}

TEST_CASE("A journal whose log was removed or emptied is damaged, never a new journal",
          "[journal-damage][process]") {
  // A backup that skipped *.log, say: the folder still says it held a journal.
  const std::string scheme = source_path("schemes/sectoraal-maatwerk-2021.toml");
  const std::string scheme_text = read_text(scheme);
  for (const bool removed : {true, false}) {
    INFO((removed ? "removed" : "emptied"));
    TempFolder folder("log-gone");
    const std::string journal = folder.path("journal");
    allocate_into(scheme, source_path("docs/examples/sectoraal-maatwerk-2021.jsonl"), journal);
    const std::string log = wal_path(journal);
    if (removed) {
      std::filesystem::remove(log);
    } else {
      std::filesystem::resize_file(log, 0);
    }
    for (const bool read_only : {true, false}) {
      // As audit opens it, and as serve does (with a scheme, which would create a journal).
      const JournalOpenResult opened = Journal::open(
          journal, JournalOptions{read_only ? std::string() : scheme_text, nullptr, read_only});
      INFO(opened.status().message());
      CHECK_FALSE(opened.ok());
      CHECK(opened.status().code() == StatusCode::corruption);
    }
  }
}
