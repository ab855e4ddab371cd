#include "tests/journal_writer.hpp"

#include <fmt/format.h>
#include <rocksdb/write_batch.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "storage/durable_mark.hpp"
#include "storage/record.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {

BatchWriter::BatchWriter()
    : allocator_(scheme_from_toml(tiny_scheme)), head_(genesis_hash(tiny_scheme)) {}

void BatchWriter::write(Journal& journal, std::size_t records, std::size_t monitoring_bytes) {
  rocksdb::WriteBatch batch;
  std::vector<Decision> decisions;
  std::string bytes;
  for (std::size_t index = 0; index < records; ++index) {
    const std::uint64_t sequence = allocator_.last_sequence() + 1;
    const std::string id = fmt::format("A-{}", sequence);  // outlives the command's view
    SubmitCommand submit;
    submit.tranche_id = "t";
    submit.application_id = id;
    ParticipantKey participant{};
    participant[0] = static_cast<std::uint8_t>(sequence);
    submit.participant = participant;
    const TimestampNs at = 1'606'809'600'000'000'000 + static_cast<TimestampNs>(sequence);
    REQUIRE(allocator_.apply(submit, sequence, at, decisions) == Refusal::none);
    const std::string monitoring =
        monitoring_bytes == 0
            ? std::string()
            : fmt::format(R"({{"note":"{}"}})", std::string(monitoring_bytes - 11, 'm'));
    bytes.clear();
    head_ = encode_record(bytes, sequence, at, submit, monitoring, decisions, head_);
    Journal::add_record(batch, sequence, bytes);
  }
  REQUIRE(journal.write_synced(batch).is_ok());
}

std::unique_ptr<Journal> open_for_writing(const std::string& folder) {
  JournalOpenResult opened =
      Journal::open(folder, JournalOptions{std::string(tiny_scheme), nullptr, false});
  INFO(opened.status().message());
  REQUIRE(opened.ok());
  return std::move(opened->journal);
}

std::string wal_path(const std::string& folder) {
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".log") return entry.path().string();
  }
  FAIL("no write-ahead log in " << folder);
  return {};
}

std::string mark_path(const std::string& folder) {
  return (std::filesystem::path(folder) / DurableMark::file_name).string();
}

}  // namespace loket::testing
