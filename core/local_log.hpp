// The durable log on this machine: the journal's RocksDB folder, written by the group
// committer (storage/group_commit.hpp) in synced batches.
#pragma once

#include <functional>
#include <memory>

#include "core/durable_log.hpp"
#include "storage/group_commit.hpp"

namespace loket {

class LocalLog final : public DurableLog {
 public:
  // on_durable runs on the committer's thread after each synced batch, with its last
  // sequence. durable_through: the journal's last sequence when the log takes it over.
  LocalLog(Journal& journal, GroupCommitLimits limits,
           std::function<void(std::uint64_t last_durable)> on_durable,
           std::uint64_t durable_through);

  void append(std::uint64_t sequence, const SealedEvent& event) override {
    committer_.append(sequence, event);
  }
  void flush() override { committer_.flush(); }
  Status wait_durable(std::uint64_t sequence) override { return committer_.wait_durable(sequence); }
  std::uint64_t durable_sequence() const override { return committer_.durable_sequence(); }
  Status status() const override { return committer_.status(); }
  std::uint64_t batches_committed() const override { return committer_.batches_committed(); }
  std::uint64_t records_committed() const override { return committer_.records_committed(); }

 private:
  GroupCommitter committer_;
};

}  // namespace loket
