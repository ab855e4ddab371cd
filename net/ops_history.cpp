#include "net/ops_history.hpp"

namespace loket {

OpsSample take_ops_sample(const Pipeline& pipeline, const LatencyHistogram& latency,
                          TimestampNs now_ns) {
  const PipelineCounters& counters = pipeline.counters();
  OpsSample sample;
  sample.at_ns = now_ns;
  for (const auto& count : counters.submissions_by_outcome) {
    sample.submissions += count.load(std::memory_order_relaxed);
  }
  sample.records_committed = counters.records_committed.load(std::memory_order_relaxed);
  sample.batches_committed = counters.batches_committed.load(std::memory_order_relaxed);
  for (std::size_t bucket = 0; bucket < sample.latency_counts.size(); ++bucket) {
    sample.latency_counts[bucket] = latency.counts[bucket].load(std::memory_order_relaxed);
  }
  return sample;
}

void OpsHistory::add(const OpsSample& sample) {
  const std::lock_guard lock(mutex_);
  ring_[next_] = sample;
  next_ = (next_ + 1) % ring_.size();
  if (count_ < ring_.size()) ++count_;
}

std::vector<OpsSample> OpsHistory::samples() const {
  const std::lock_guard lock(mutex_);
  std::vector<OpsSample> oldest_first;
  oldest_first.reserve(count_);
  for (std::size_t index = 0; index < count_; ++index) {
    oldest_first.push_back(ring_[(next_ + ring_.size() - count_ + index) % ring_.size()]);
  }
  return oldest_first;
}

}  // namespace loket
