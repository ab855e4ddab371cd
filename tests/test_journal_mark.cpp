// The durable mark [journal-damage]: a write-ahead log that loses acknowledged writes without
// a changed byte (removed, or cut exactly between two writes, while earlier records sit in a
// table) is damage, never a shorter journal; a torn last write, a journal from before marks
// and one damaged slot of the mark are not.
#include <fmt/format.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "core/recovery.hpp"
#include "storage/durable_mark.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/journal_writer.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

struct TwoRuns {
  std::uint64_t log_bytes_before_last = 0;  // of the second run's log
};

// 10 records; a restart (which moves them into a table); then 5 more in writes of 2 and 3, so
// the live log holds two acknowledged writes.
TwoRuns write_in_two_runs(const std::string& journal) {
  BatchWriter writer;
  TwoRuns runs;
  {
    const std::unique_ptr<Journal> first = open_for_writing(journal);
    writer.write(*first, 10);
  }
  const std::unique_ptr<Journal> second = open_for_writing(journal);
  writer.write(*second, 2);
  runs.log_bytes_before_last = std::filesystem::file_size(wal_path(journal));
  writer.write(*second, 3);
  return runs;
}

// How each reader opens the folder: audit, export and report read-only; serve for writing.
JournalOpenResult open_as(const std::string& journal, bool read_only) {
  return Journal::open(journal, JournalOptions{read_only ? std::string() : std::string(tiny_scheme),
                                               nullptr, read_only});
}

std::uint64_t records_in(const std::string& journal) {
  JournalOpenResult opened = open_as(journal, true);
  INFO(opened.status().message());
  REQUIRE(opened.ok());
  return opened->journal->last_sequence();
}

}  // namespace

// Every file of the folder with its size and bytes: what a refused open must leave alone.
std::map<std::string, std::string> folder_contents(const std::string& journal) {
  std::map<std::string, std::string> contents;
  for (const auto& entry : std::filesystem::directory_iterator(journal)) {
    contents[entry.path().filename().string()] = read_text(entry.path().string());
  }
  return contents;
}

TEST_CASE("A log removed or cut between two acknowledged writes is damage, never a shorter journal",
          "[journal-damage][process]") {
  for (const bool removed : {true, false}) {
    INFO((removed ? "the live log removed" : "the live log cut before its last write"));
    TempFolder folder("mark-lost");
    const std::string journal = folder.path("journal");
    const TwoRuns runs = write_in_two_runs(journal);
    REQUIRE(records_in(journal) == 15);
    const std::string log = wal_path(journal);
    if (removed) {
      std::filesystem::remove(log);
    } else {
      std::filesystem::resize_file(log, runs.log_bytes_before_last);
    }
    const auto as_found = folder_contents(journal);
    for (const bool read_only : {true, false}) {
      const JournalOpenResult opened = open_as(journal, read_only);
      // Refused before RocksDB moved anything: the folder is the evidence, as it was found.
      CHECK(folder_contents(journal) == as_found);
      INFO(opened.status().message());
      CHECK_FALSE(opened.ok());
      CHECK(opened.status().code() == StatusCode::corruption);
      CHECK(opened.status().message().find("were acknowledged (LOKET-MARK), but the journal holds "
                                           "them only up to") != std::string::npos);
    }
    const LoketRun audit = run_loket({"audit", "--data", journal});
    INFO(audit.output);
    CHECK(audit.exit_code == 2);
    CHECK(audit.output.find("a write-ahead log (*.log) was removed or cut") != std::string::npos);
  }
}

TEST_CASE("The durable mark at the journal's last write opens, one past it is damage",
          "[journal-damage]") {
  TempFolder folder("mark-edge");
  const std::string journal = folder.path("journal");
  write_in_two_runs(journal);
  // The sequence RocksDB recovered: the mark as the last write left it.
  const DurableMark::Read as_left = DurableMark::read(journal);
  REQUIRE(as_left.sequence);
  const std::uint64_t last = *as_left.sequence;
  for (const std::uint64_t mark : {std::uint64_t{0}, last - 1, last, last + 1, UINT64_MAX}) {
    INFO("mark " << mark << ", last write " << last);
    std::filesystem::remove(mark_path(journal));
    REQUIRE(DurableMark::open_for_writing(journal, DurableMark::Read{}, mark).ok());
    const JournalOpenResult opened = open_as(journal, true);
    INFO(opened.status().message());
    CHECK((opened.status().code() == StatusCode::corruption) == (mark > last));
  }
}

TEST_CASE("A journal from before marks gets one, and one damaged slot of the mark is no damage",
          "[journal-damage]") {
  TempFolder folder("mark-slots");
  const std::string journal = folder.path("journal");
  write_in_two_runs(journal);
  // Before marks: none; audit reads it, and the next writer adds one at its last sequence.
  std::filesystem::remove(mark_path(journal));
  CHECK(records_in(journal) == 15);
  CHECK_FALSE(std::filesystem::exists(mark_path(journal)));
  open_for_writing(journal);
  REQUIRE(std::filesystem::exists(mark_path(journal)));
  CHECK(records_in(journal) == 15);
  // A fresh mark holds the same sequence in both of its 16-byte slots: damage either slot and
  // the other still holds the mark; damage both, or change the length, and it is damage.
  const std::string intact = read_text(mark_path(journal));
  REQUIRE(intact.size() == 32);
  const auto with = [&](std::string bytes) {
    std::ofstream(mark_path(journal), std::ios::binary | std::ios::trunc) << bytes;
    return open_as(journal, true);
  };
  for (const std::size_t position : {0u, 7u, 8u, 12u, 15u, 16u, 24u, 31u}) {
    std::string bytes = intact;
    bytes[position] = static_cast<char>(bytes[position] ^ 0x40);
    INFO("byte " << position);
    CHECK(with(bytes).ok());
  }
  std::string both = intact;
  both[3] = static_cast<char>(both[3] ^ 1);
  both[19] = static_cast<char>(both[19] ^ 1);
  for (const std::string& bytes : {both, intact.substr(0, 31), intact + '\0', std::string()}) {
    const JournalOpenResult opened = with(bytes);
    INFO(opened.status().message());
    CHECK_FALSE(opened.ok());
    CHECK(opened.status().code() == StatusCode::corruption);
    CHECK(opened.status().message().find(
              "LOKET-MARK: both slots of the durable mark are damaged") != std::string::npos);
  }
}

TEST_CASE("A reader opening a journal while its server writes never takes new writes for lost ones",
          "[journal-damage]") {
  TempFolder folder("mark-reader");
  const std::string journal = folder.path("journal");
  BatchWriter writer;
  std::unique_ptr<Journal> writing = open_for_writing(journal);
  writer.write(*writing, 1);
  std::atomic<bool> reading{true};
  std::thread server([&] {
    // Writes for as long as the reader opens, and at least a few hundred times.
    for (std::size_t writes = 0; reading.load() || writes < 200; ++writes)
      writer.write(*writing, 1);
  });
  std::vector<std::string> problems;
  for (int open = 0; open < 100; ++open) {
    const JournalOpenResult opened = open_as(journal, true);
    if (!opened.ok()) problems.push_back(opened.status().message());
  }
  reading.store(false);
  server.join();
  INFO((problems.empty() ? std::string() : problems.front()));
  CHECK(problems.empty());
}

TEST_CASE("A durable mark that cannot be read is named as such and never waited on",
          "[journal-damage]") {
  TempFolder folder("mark-odd");
  const std::string journal = folder.path("journal");
  write_in_two_runs(journal);
  std::filesystem::remove(mark_path(journal));
  // A FIFO: opening it must not wait for a writer.
  const bool fifo = GENERATE(true, false);
  INFO((fifo ? "a FIFO" : "a folder"));
  if (fifo) {
    REQUIRE(::mkfifo(mark_path(journal).c_str(), 0600) == 0);
  } else {
    REQUIRE(std::filesystem::create_directory(mark_path(journal)));
  }
  for (const bool read_only : {true, false}) {
    const JournalOpenResult opened = open_as(journal, read_only);
    INFO(opened.status().message());
    CHECK_FALSE(opened.ok());
    CHECK(opened.status().code() == StatusCode::io_error);
    CHECK(opened.status().message().find("cannot read the journal's durable mark") !=
          std::string::npos);
    CHECK(opened.status().message().find("is not a regular file") != std::string::npos);
  }
}
