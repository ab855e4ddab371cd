// A durable log that writes everything appended since its last write as one synced batch, on
// the caller's thread, when asked to flush or wait: one write-ahead log write per batch, and
// nothing written until the caller says so. Catching up with a cluster's log
// (replication/catch_up.hpp) checks each event before it lets any be written; the damage tests
// cut the write-ahead log between batches of a size they choose. The journal may change
// between batches (a test reopens it) while the Sequencer and its chain go on.
//
// Threads: one at a time.
#pragma once

#include <memory>

#include "core/durable_log.hpp"
#include "storage/journal.hpp"

namespace loket {

class SyncedBatchLog final : public DurableLog {
 public:
  // durable_through: the journal's last sequence, durable before anything is appended.
  explicit SyncedBatchLog(Journal* journal = nullptr, std::uint64_t durable_through = 0);
  ~SyncedBatchLog() override;  // what was appended and not flushed is never written

  void write_to(Journal& journal) { journal_ = &journal; }

  void append(std::uint64_t sequence, const SealedEvent& event) override;
  void flush() override;
  // Flushes; `sequence` must have been appended.
  Status wait_durable(std::uint64_t sequence) override;
  std::uint64_t durable_sequence() const override { return durable_sequence_; }
  Status status() const override { return status_; }
  std::uint64_t batches_committed() const override { return batches_committed_; }
  std::uint64_t records_committed() const override { return records_committed_; }

 private:
  struct Batch;
  Journal* journal_;
  std::unique_ptr<Batch> batch_;
  std::uint64_t durable_sequence_;
  std::uint64_t batches_committed_ = 0;
  std::uint64_t records_committed_ = 0;
  Status status_ = Status::ok();
};

}  // namespace loket
