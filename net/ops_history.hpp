// The last minutes of the server's own figures, one sample a second, for the dashboard's
// rates and its latency over a recent window (docs/operations.md). An I/O thread's timer takes
// the samples from counters the submission path keeps anyway, so watching costs it nothing.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "net/pipeline.hpp"
#include "net/server.hpp"

namespace loket {

struct OpsSample {
  TimestampNs at_ns = 0;
  std::uint64_t submissions = 0;  // decided since start, every outcome
  std::uint64_t records_committed = 0;
  std::uint64_t batches_committed = 0;
  std::array<std::uint64_t, LatencyHistogram::bounds_us.size() + 1> latency_counts{};
};

OpsSample take_ops_sample(const Pipeline& pipeline, const LatencyHistogram& latency,
                          TimestampNs now_ns);

class OpsHistory {
 public:
  // Five minutes of per-second rates need one sample more than that.
  static constexpr std::size_t samples_max = 301;

  void add(const OpsSample& sample);
  std::vector<OpsSample> samples() const;  // oldest first

 private:
  mutable std::mutex mutex_;
  std::array<OpsSample, samples_max> ring_{};
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

}  // namespace loket
