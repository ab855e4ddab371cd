#include "replication/replicated_log.hpp"

#include <fmt/format.h>

#include "core/record_stream.hpp"

namespace loket {

using replication_limits::queued_bytes_max;
constexpr std::chrono::milliseconds etcd_write_interval{replication_limits::etcd_write_interval_ms};

Result<std::unique_ptr<ReplicatedLog>> ReplicatedLog::create(
    Journal& journal, GroupCommitLimits limits, std::function<void(std::uint64_t)> on_durable,
    std::uint64_t durable_through, std::unique_ptr<EtcdClient> client, EtcdLogWriter writer) {
  if (!client) return Status::invalid_argument("a replicated log needs an etcd client");
  if (writer.tail().last_sequence != durable_through) {
    return Status::invalid_argument(fmt::format(
        "the etcd log ends at sequence {} and this node's journal at {}: catch up first",
        writer.tail().last_sequence, durable_through));
  }
  std::unique_ptr<ReplicatedLog> log(
      new ReplicatedLog(std::move(on_durable), durable_through, std::move(client), writer));
  ReplicatedLog* self = log.get();
  log->local_ = std::make_unique<LocalLog>(
      journal, limits,
      [self](std::uint64_t last_durable) {
        self->local_durable_.store(last_durable, std::memory_order_release);
        std::unique_lock lock(self->mutex_);
        self->advance(lock);
      },
      durable_through);
  log->thread_ = std::thread([self] { self->run(); });
  return log;
}

ReplicatedLog::ReplicatedLog(std::function<void(std::uint64_t)> on_durable,
                             std::uint64_t durable_through, std::unique_ptr<EtcdClient> client,
                             EtcdLogWriter writer)
    : on_durable_(std::move(on_durable)),
      client_(std::move(client)),
      writer_(std::move(writer)),
      local_durable_(durable_through),
      etcd_durable_(durable_through),
      durable_(durable_through) {}

ReplicatedLog::~ReplicatedLog() {
  flush();
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
  local_.reset();  // waits for its last batch; its callback still finds every member here
}

void ReplicatedLog::append(std::uint64_t sequence, const SealedEvent& event) {
  local_->append(sequence, event);
  for (std::size_t part = 0; part < event.count; ++part) {
    append_framed_record(filling_.stream, event.record(part));
  }
  filling_.last_sequence = sequence;
  filling_.head = event.chain_head;
  // A full chunk's worth is handed over at once, so the etcd thread is not left idle.
  if (filling_.stream.size() >= etcd_log_limits::chunk_bytes_max) flush();
}

void ReplicatedLog::flush() {
  local_->flush();
  if (filling_.stream.empty()) return;
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] {
    return queued_bytes_ < queued_bytes_max || !etcd_failure_.is_ok() || stopping_;
  });
  queued_bytes_ += filling_.stream.size();
  queued_.push_back(std::move(filling_));
  filling_ = Pending{};
  lock.unlock();
  changed_.notify_all();
}

void ReplicatedLog::run() {
  std::unique_lock lock(mutex_);
  auto next_write_at = std::chrono::steady_clock::now();
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
    if (queued_.empty()) return;
    // Under load, what arrives meanwhile joins this transaction (see etcd_write_interval_ms).
    changed_.wait_until(lock, next_write_at, [this] {
      return stopping_ || queued_bytes_ >= etcd_log_limits::chunk_bytes_max;
    });
    next_write_at = std::chrono::steady_clock::now() + etcd_write_interval;
    const Pending batch = take_queued(lock);
    changed_.notify_all();  // a producer waiting for room
    Status status = etcd_failure_;
    lock.unlock();
    if (status.is_ok()) {
      status = writer_.append(cut_into_chunks(batch.stream, etcd_log_limits::chunk_bytes_max),
                              batch.last_sequence, to_hex(batch.head));
    }
    lock.lock();
    finish_write(lock, batch, status);
  }
}

// Everything handed over, as one batch for one etcd append.
ReplicatedLog::Pending ReplicatedLog::take_queued(std::unique_lock<std::mutex>& lock) {
  (void)lock;
  Pending batch = std::move(queued_.front());
  queued_.pop_front();
  for (; !queued_.empty(); queued_.pop_front()) {
    batch.stream += queued_.front().stream;
    batch.last_sequence = queued_.front().last_sequence;
    batch.head = queued_.front().head;
  }
  queued_bytes_ = 0;
  return batch;
}

void ReplicatedLog::finish_write(std::unique_lock<std::mutex>& lock, const Pending& written,
                                 const Status& status) {
  if (status.is_ok()) {
    etcd_durable_.store(written.last_sequence, std::memory_order_release);
    etcd_batches_.fetch_add(1, std::memory_order_relaxed);
  } else if (etcd_failure_.is_ok()) {
    etcd_failure_ = status;
  }
  advance(lock);
  changed_.notify_all();  // a waiter that must learn of the failure
}

// Publishes the smaller of the two durable sequences when it has grown.
void ReplicatedLog::advance(std::unique_lock<std::mutex>& lock) {
  (void)lock;
  const std::uint64_t both = std::min(local_durable_.load(std::memory_order_acquire),
                                      etcd_durable_.load(std::memory_order_acquire));
  if (both <= durable_.load(std::memory_order_acquire)) return;
  durable_.store(both, std::memory_order_release);
  if (on_durable_) on_durable_(both);
  changed_.notify_all();
}

Status ReplicatedLog::wait_durable(std::uint64_t sequence) {
  const Status local = local_->wait_durable(sequence);
  if (!local.is_ok()) return local;
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return durable_sequence() >= sequence || !etcd_failure_.is_ok(); });
  return durable_sequence() >= sequence ? Status::ok() : etcd_failure_;
}

Status ReplicatedLog::status() const {
  const Status local = local_->status();
  if (!local.is_ok()) return local;
  const std::lock_guard lock(mutex_);
  return etcd_failure_;
}

}  // namespace loket
