#include "tests/journal_writer.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "engine/assert.hpp"
#include "storage/durable_mark.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {

BatchWriter::BatchWriter()
    : sequencer_(std::make_unique<Allocator>(scheme_from_toml(tiny_scheme)),
                 std::make_unique<SyncedBatchLog>(), new_journal_summary(tiny_scheme)),
      log_(static_cast<SyncedBatchLog&>(*sequencer_.log())) {}

void BatchWriter::write(Journal& journal, std::size_t records, std::size_t monitoring_bytes) {
  log_.write_to(journal);
  const std::string monitoring =
      monitoring_bytes == 0
          ? std::string()
          : fmt::format(R"({{"note":"{}"}})", std::string(monitoring_bytes - 11, 'm'));
  submit_registrations(sequencer_, records, monitoring);
  REQUIRE(log_.wait_durable(sequencer_.last_sequence()).is_ok());
}

void submit_registrations(Sequencer& sequencer, std::size_t count, std::string_view monitoring) {
  for (std::size_t index = 0; index < count; ++index) {
    const std::uint64_t sequence = sequencer.last_sequence() + 1;
    const std::string id = fmt::format("A-{}", sequence);  // outlives the command's view
    SubmitCommand submit;
    submit.tranche_id = "t";
    submit.application_id = id;
    ParticipantKey participant{};
    participant[0] = static_cast<std::uint8_t>(sequence);
    participant[1] = static_cast<std::uint8_t>(sequence >> 8);
    submit.participant = participant;
    const TimestampNs at = 1'606'809'600'000'000'000 + static_cast<TimestampNs>(sequence);
    REQUIRE(sequencer.apply(submit, at, monitoring).refusal == Refusal::none);
  }
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
