// Where the Sequencer's sealed events become durable. One implementation today, the local
// RocksDB group commit (core/local_log.hpp); a replicated log can take its place without
// anything above core/ knowing.
//
// Threads: append, flush and wait_durable are called by the one producer (the sequencing
// thread); durable_sequence and status from any thread.
#pragma once

#include <cstdint>

#include "base/status.hpp"
#include "storage/event_parts.hpp"

namespace loket {

class DurableLog {
 public:
  virtual ~DurableLog() = default;

  // Queues an event's records under its sequence; they become durable together or not at all.
  virtual void append(std::uint64_t sequence, const SealedEvent& event) = 0;
  // Hands over whatever is queued without waiting for more.
  virtual void flush() = 0;
  // Blocks until `sequence` is durable or the log has failed; returns the log's status.
  virtual Status wait_durable(std::uint64_t sequence) = 0;

  // The last sequence that is durable: nothing after it may be acknowledged.
  virtual std::uint64_t durable_sequence() const = 0;
  // Not ok once a write failed; from then on nothing more becomes durable.
  virtual Status status() const = 0;

  // Figures for /metrics and the benchmarks.
  virtual std::uint64_t batches_committed() const = 0;
  virtual std::uint64_t records_committed() const = 0;
};

}  // namespace loket
