// What the dashboard shows, as one JSON object: every tranche and compartment, the journal,
// the queue, the latency and rate over the last minutes, the cluster and the latest checkpoint.
// Made from what the pipeline publishes and the sampler keeps; never from a pipeline job.
#pragma once

#include <span>
#include <string>

#include "net/ops_history.hpp"

namespace loket {

// The latency percentiles and the mean batch are over this many of the latest seconds.
inline constexpr std::size_t ops_window_seconds = 10;

std::string ops_snapshot_json(const Pipeline& pipeline, std::span<const OpsSample> history,
                              std::size_t connections, TimestampNs now_ns);

}  // namespace loket
