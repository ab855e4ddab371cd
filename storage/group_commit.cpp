#include "storage/group_commit.hpp"

#include <rocksdb/write_batch.h>

#include <boost/lockfree/spsc_queue.hpp>

#include "engine/assert.hpp"

namespace loket {

struct GroupCommitter::Batch {
  rocksdb::WriteBatch write_batch;
  std::size_t records = 0;
  std::uint64_t last_sequence = 0;
  std::chrono::steady_clock::time_point first_appended;
};

class GroupCommitter::Queue : public boost::lockfree::spsc_queue<Batch*> {
 public:
  explicit Queue(std::size_t capacity) : boost::lockfree::spsc_queue<Batch*>(capacity) {}
};

GroupCommitter::GroupCommitter(Journal& journal, GroupCommitLimits limits,
                               std::function<void(std::uint64_t)> on_durable,
                               std::uint64_t durable_through)
    : journal_(journal),
      limits_(limits),
      on_durable_(std::move(on_durable)),
      full_(std::make_unique<Queue>(limits.batches_in_flight_max)),
      empty_(std::make_unique<Queue>(limits.batches_in_flight_max)),
      durable_sequence_(durable_through) {
  LOKET_ASSERT(limits.batches_in_flight_max >= 2 && limits.batch_records_max >= 1);
  for (std::size_t index = 0; index < limits.batches_in_flight_max; ++index) {
    batches_.push_back(std::make_unique<Batch>());
  }
  filling_ = batches_[0].get();
  for (std::size_t index = 1; index < batches_.size(); ++index) {
    const bool pushed = empty_->push(batches_[index].get());
    LOKET_ASSERT(pushed);
  }
  thread_ = std::thread([this] { run(); });
}

GroupCommitter::~GroupCommitter() {
  flush();
  stopping_.store(true, std::memory_order_release);
  // atomic::wait returns only on a changed value; nothing is appended after this point, so
  // the count no longer has to match the queue.
  handed_over_.fetch_add(1, std::memory_order_release);
  handed_over_.notify_one();
  thread_.join();
}

void GroupCommitter::append(std::uint64_t sequence, const SealedEvent& event) {
  LOKET_ASSERT(sequence > filling_->last_sequence && event.count > 0);
  if (filling_->records == 0) filling_->first_appended = std::chrono::steady_clock::now();
  Journal::add_event(filling_->write_batch, sequence, event);
  filling_->records += 1;
  filling_->last_sequence = sequence;
  const bool full = filling_->records >= limits_.batch_records_max ||
                    filling_->write_batch.GetDataSize() >= limits_.batch_bytes_max;
  const bool committer_idle =
      handed_over_.load(std::memory_order_acquire) == returned_.load(std::memory_order_acquire);
  const bool waited_enough =
      std::chrono::steady_clock::now() - filling_->first_appended >= limits_.batch_wait_max;
  if (full || committer_idle || waited_enough) hand_over();
}

void GroupCommitter::flush() {
  if (filling_->records > 0) hand_over();
}

void GroupCommitter::hand_over() {
  LOKET_ASSERT(filling_->records > 0);
  const bool pushed = full_->push(filling_);
  LOKET_ASSERT(pushed);  // there are as many queue places as batches
  handed_over_.fetch_add(1, std::memory_order_release);
  handed_over_.notify_one();
  Batch* next = nullptr;
  while (!empty_->pop(next)) {
    // Every batch is queued or syncing: wait for the committer to give one back.
    const std::uint64_t seen = returned_.load(std::memory_order_acquire);
    if (empty_->pop(next)) break;
    returned_.wait(seen, std::memory_order_acquire);
  }
  filling_ = next;
}

void GroupCommitter::run() {
  for (;;) {
    Batch* batch = nullptr;
    if (!full_->pop(batch)) {
      if (stopping_.load(std::memory_order_acquire) && full_->read_available() == 0) return;
      const std::uint64_t seen = handed_over_.load(std::memory_order_acquire);
      if (full_->read_available() == 0 && !stopping_.load(std::memory_order_acquire)) {
        handed_over_.wait(seen, std::memory_order_acquire);
      }
      continue;
    }
    if (!failed_.load(std::memory_order_acquire)) {
      const Status status = journal_.write_synced(batch->write_batch);
      if (status.is_ok()) {
        durable_sequence_.store(batch->last_sequence, std::memory_order_release);
        batches_committed_.fetch_add(1, std::memory_order_relaxed);
        records_committed_.fetch_add(batch->records, std::memory_order_relaxed);
        if (on_durable_) on_durable_(batch->last_sequence);
      } else {
        failure_ = status;
        failed_.store(true, std::memory_order_release);
      }
    }
    batch->write_batch.Clear();
    batch->records = 0;
    const bool pushed = empty_->push(batch);
    LOKET_ASSERT(pushed);
    // Wakes the producer waiting for an empty batch and everyone in wait_durable.
    returned_.fetch_add(1, std::memory_order_release);
    returned_.notify_all();
  }
}

Status GroupCommitter::wait_durable(std::uint64_t sequence) {
  for (;;) {
    // Every finished batch, synced or failed, advances returned_: waiting on it cannot miss
    // a failure, which leaves durable_sequence_ unchanged.
    const std::uint64_t seen = returned_.load(std::memory_order_acquire);
    if (durable_sequence_.load(std::memory_order_acquire) >= sequence) return Status::ok();
    if (failed_.load(std::memory_order_acquire)) return status();
    returned_.wait(seen, std::memory_order_acquire);
  }
}

Status GroupCommitter::status() const {
  if (!failed_.load(std::memory_order_acquire)) return Status::ok();
  return failure_;
}

}  // namespace loket
