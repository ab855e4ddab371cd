// The durable log of a cluster's leader (docs/cluster.md): every batch is synced to this node's
// journal, as on a single node, and appended to the etcd log as a fenced batch. A sequence is
// durable once both hold it: the smaller of the two durable sequences is what may be
// acknowledged. Once either fails, or the fence shows that this node no longer leads, the log
// has failed for good: nothing more becomes durable and the caller declines what waits.
//
// The etcd side has a thread of its own: it takes whatever the producer has handed over since
// its last write, and starts writes at least etcd_write_interval_ms apart, so under load one
// etcd transaction carries several local batches, and the local fsync and the etcd quorum's
// run side by side.
//
// Threads: append and flush by the one producer (the sequencing thread); the rest from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "cluster/etcd_log.hpp"
#include "core/local_log.hpp"
#include "engine/crypto.hpp"

namespace loket {

namespace replication_limits {
// Handed over to the etcd thread and not yet written: beyond this the producer waits, so a
// slow etcd slows the leader down instead of growing its memory.
inline constexpr std::size_t queued_bytes_max = 64 << 20;
// Between the starts of two etcd transactions, unless a chunk's worth is waiting. An etcd
// transaction's cost is mostly fixed (the gateway, Raft, an fsync on every member), so under
// load fewer, larger ones cost etcd less CPU per registration (13 to 30 % less in runs of
// bench/cluster_compare.sh); a lone registration waits at most this much longer.
inline constexpr std::uint32_t etcd_write_interval_ms = 10;
}  // namespace replication_limits

class ReplicatedLog final : public DurableLog {
 public:
  // writer: the etcd log this node took over as leader, whose tail must be durable_through
  // (the node caught up first); it uses `client`, which the log keeps.
  static Result<std::unique_ptr<ReplicatedLog>> create(
      Journal& journal, GroupCommitLimits limits,
      std::function<void(std::uint64_t last_durable)> on_durable, std::uint64_t durable_through,
      std::unique_ptr<EtcdClient> client, EtcdLogWriter writer);
  ~ReplicatedLog() override;  // writes what was handed over, then stops the etcd thread

  void append(std::uint64_t sequence, const SealedEvent& event) override;
  void flush() override;
  Status wait_durable(std::uint64_t sequence) override;
  std::uint64_t durable_sequence() const override {
    return durable_.load(std::memory_order_acquire);
  }
  Status status() const override;
  std::uint64_t batches_committed() const override { return local_->batches_committed(); }
  std::uint64_t records_committed() const override { return local_->records_committed(); }
  // Figures: etcd transactions' batches, and the last sequence etcd holds.
  std::uint64_t etcd_batches_committed() const { return etcd_batches_.load(); }
  std::uint64_t etcd_durable_sequence() const { return etcd_durable_.load(); }

 private:
  struct Pending {
    std::string stream;  // framed records (core/record_stream.hpp)
    std::uint64_t last_sequence = 0;
    Sha256Digest head{};  // the chain head after last_sequence
  };
  ReplicatedLog(std::function<void(std::uint64_t)> on_durable, std::uint64_t durable_through,
                std::unique_ptr<EtcdClient> client, EtcdLogWriter writer);
  void run();
  Pending take_queued(std::unique_lock<std::mutex>& lock);
  void finish_write(std::unique_lock<std::mutex>& lock, const Pending& written,
                    const Status& status);
  void advance(std::unique_lock<std::mutex>& lock);

  std::function<void(std::uint64_t)> on_durable_;
  std::unique_ptr<EtcdClient> client_;
  EtcdLogWriter writer_;
  Pending filling_;  // the producer's, until flush hands it over
  std::atomic<std::uint64_t> local_durable_;
  std::atomic<std::uint64_t> etcd_durable_;
  std::atomic<std::uint64_t> durable_;
  std::atomic<std::uint64_t> etcd_batches_{0};
  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable changed_;
  std::deque<Pending> queued_;
  std::size_t queued_bytes_ = 0;
  bool stopping_ = false;
  Status etcd_failure_ = Status::ok();
  std::unique_ptr<LocalLog> local_;  // after the members its callback touches
  std::thread thread_;
};

}  // namespace loket
