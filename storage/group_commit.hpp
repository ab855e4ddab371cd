// Group commit: one producer (the allocator's thread) appends encoded records; a committer
// thread writes them to the journal in synced batches. While one batch syncs, the next fills,
// so under load many records share one fsync. A record is durable once durable_sequence()
// has reached it, never before.
//
// A batch is handed to the committer when it is full, when the committer is idle, when its
// oldest record has waited batch_wait_max, or on flush(). Hand-over uses two bounded
// single-producer/single-consumer queues (full batches one way, empty ones back) and atomic
// wait/notify: no mutex. When every batch is in flight, append() waits for one: the journal's
// speed bounds the producer, memory does not grow.
//
// A failed write is sticky: status() reports it, durable_sequence() stops, and every later
// record stays unacknowledged until the process restarts and recovers from the journal.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "storage/event_parts.hpp"
#include "storage/journal.hpp"

namespace loket {

struct GroupCommitLimits {
  std::size_t batch_records_max = 4096;
  std::size_t batch_bytes_max = std::size_t{8} << 20;
  std::chrono::microseconds batch_wait_max{1000};
  std::size_t batches_in_flight_max = 4;  // the batches that may be filling, queued or syncing
};

class GroupCommitter {
 public:
  // on_durable runs on the committer thread after each synced batch with its last sequence.
  // durable_through: the last sequence already in the journal (after recovery), durable
  // before anything is appended.
  GroupCommitter(Journal& journal, GroupCommitLimits limits,
                 std::function<void(std::uint64_t last_durable)> on_durable = {},
                 std::uint64_t durable_through = 0);
  ~GroupCommitter();  // flushes, waits for the last batch, stops the thread
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Producer side (one thread). An event's records all go into one batch: RocksDB writes a
  // batch whole or not at all, so a crash never leaves half an event.
  void append(std::uint64_t sequence, const SealedEvent& event);
  void flush();
  // Blocks until `sequence` is durable or the journal has failed; returns the status.
  Status wait_durable(std::uint64_t sequence);

  std::uint64_t durable_sequence() const {
    return durable_sequence_.load(std::memory_order_acquire);
  }
  Status status() const;
  // Figures for /metrics and the benchmarks.
  std::uint64_t batches_committed() const { return batches_committed_.load(); }
  std::uint64_t records_committed() const { return records_committed_.load(); }

 private:
  struct Batch;
  class Queue;
  void hand_over();
  void run();

  Journal& journal_;
  const GroupCommitLimits limits_;
  std::function<void(std::uint64_t)> on_durable_;
  std::vector<std::unique_ptr<Batch>> batches_;
  std::unique_ptr<Queue> full_;
  std::unique_ptr<Queue> empty_;
  Batch* filling_ = nullptr;
  std::atomic<std::uint64_t> handed_over_{0};  // batches given to the committer
  std::atomic<std::uint64_t> returned_{0};     // batches given back
  std::atomic<std::uint64_t> durable_sequence_{0};
  std::atomic<std::uint64_t> batches_committed_{0};
  std::atomic<std::uint64_t> records_committed_{0};
  std::atomic<bool> failed_{false};
  std::atomic<bool> stopping_{false};
  Status failure_ = Status::ok();  // written once by the committer before failed_ is set
  std::thread thread_;
};

}  // namespace loket
