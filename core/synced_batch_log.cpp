#include "core/synced_batch_log.hpp"

#include <rocksdb/write_batch.h>

#include "engine/assert.hpp"

namespace loket {

struct SyncedBatchLog::Batch {
  rocksdb::WriteBatch write_batch;
  std::size_t records = 0;
  std::uint64_t last_sequence = 0;
};

SyncedBatchLog::SyncedBatchLog(Journal* journal, std::uint64_t durable_through)
    : journal_(journal), batch_(std::make_unique<Batch>()), durable_sequence_(durable_through) {}

SyncedBatchLog::~SyncedBatchLog() = default;

void SyncedBatchLog::append(std::uint64_t sequence, const SealedEvent& event) {
  Journal::add_event(batch_->write_batch, sequence, event);
  batch_->records += 1;
  batch_->last_sequence = sequence;
}

void SyncedBatchLog::flush() {
  if (batch_->records == 0 || !status_.is_ok()) return;
  LOKET_ASSERT(journal_ != nullptr);
  status_ = journal_->write_synced(batch_->write_batch);
  if (status_.is_ok()) {
    durable_sequence_ = batch_->last_sequence;
    batches_committed_ += 1;
    records_committed_ += batch_->records;
  }
  batch_->write_batch.Clear();
  batch_->records = 0;
}

Status SyncedBatchLog::wait_durable(std::uint64_t sequence) {
  flush();
  LOKET_ASSERT(!status_.is_ok() || durable_sequence_ >= sequence);  // nothing else to wait for
  return status_;
}

}  // namespace loket
