#include "tests/journal_writer.hpp"

#include <fmt/format.h>
#include <rocksdb/write_batch.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "engine/assert.hpp"
#include "storage/durable_mark.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {

// A durable log that writes everything appended since its last write as one synced batch,
// on the caller's thread, when asked to flush or wait: exactly one write-ahead log write per
// batch, which the damage tests cut at (the group committer's batches depend on timing). The
// journal may change between batches (a test reopens it) while the sequencer and its chain
// go on. One thread at a time.
class SyncedBatchLog final : public DurableLog {
 public:
  void write_to(Journal& journal) { journal_ = &journal; }

  void append(std::uint64_t sequence, const SealedEvent& event) override {
    Journal::add_event(batch_, sequence, event);
    batch_records_ += 1;
    batch_last_sequence_ = sequence;
  }
  void flush() override {
    if (batch_records_ == 0 || !status_.is_ok()) return;
    LOKET_ASSERT(journal_ != nullptr);
    status_ = journal_->write_synced(batch_);
    if (status_.is_ok()) {
      durable_sequence_ = batch_last_sequence_;
      batches_committed_ += 1;
      records_committed_ += batch_records_;
    }
    batch_.Clear();
    batch_records_ = 0;
  }
  Status wait_durable(std::uint64_t sequence) override {
    flush();
    LOKET_ASSERT(!status_.is_ok() || durable_sequence_ >= sequence);  // nothing else to wait for
    return status_;
  }

  std::uint64_t durable_sequence() const override { return durable_sequence_; }
  Status status() const override { return status_; }
  std::uint64_t batches_committed() const override { return batches_committed_; }
  std::uint64_t records_committed() const override { return records_committed_; }

 private:
  Journal* journal_ = nullptr;
  rocksdb::WriteBatch batch_;
  std::size_t batch_records_ = 0;
  std::uint64_t batch_last_sequence_ = 0;
  std::uint64_t durable_sequence_ = 0;
  std::uint64_t batches_committed_ = 0;
  std::uint64_t records_committed_ = 0;
  Status status_ = Status::ok();
};

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
