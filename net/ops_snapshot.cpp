#include "net/ops_snapshot.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "base/version.hpp"
#include "engine/civil_time.hpp"

namespace loket {
namespace {

namespace json = boost::json;

constexpr TimestampNs ns_per_second = 1'000'000'000;

// The bound, in milliseconds, of the histogram bucket the q-th quantile falls in (so the
// quantile is at most that); null when it is above the largest bound or nothing was answered
// (the window's "answered" tells the two apart).
json::value quantile_ms_at_most(const OpsSample& older, const OpsSample& newer, double q) {
  std::uint64_t total = 0;
  for (std::size_t bucket = 0; bucket < newer.latency_counts.size(); ++bucket) {
    total += newer.latency_counts[bucket] - older.latency_counts[bucket];
  }
  if (total == 0) return nullptr;
  const auto wanted = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < LatencyHistogram::bounds_us.size(); ++bucket) {
    seen += newer.latency_counts[bucket] - older.latency_counts[bucket];
    if (seen >= wanted) return static_cast<double>(LatencyHistogram::bounds_us[bucket]) / 1000.0;
  }
  return nullptr;
}

// Per-second submissions, oldest first, from consecutive samples; the latency and the batch
// size over the last ops_window_seconds.
void add_recent(json::object& snapshot, std::span<const OpsSample> history) {
  json::array rates;
  for (std::size_t index = 1; index < history.size(); ++index) {
    rates.push_back(history[index].submissions - history[index - 1].submissions);
  }
  snapshot["submissions_per_second"] = std::move(rates);
  const OpsSample newest = history.empty() ? OpsSample{} : history.back();
  const OpsSample older = history.size() > ops_window_seconds
                              ? history[history.size() - 1 - ops_window_seconds]
                              : (history.empty() ? OpsSample{} : history.front());
  const std::uint64_t batches = newest.batches_committed - older.batches_committed;
  std::uint64_t answered = 0;
  for (std::size_t bucket = 0; bucket < newest.latency_counts.size(); ++bucket) {
    answered += newest.latency_counts[bucket] - older.latency_counts[bucket];
  }
  snapshot["window"] = {
      // The samples are a second apart; fewer than the window's in the first seconds.
      {"seconds", std::min(ops_window_seconds, history.empty() ? 0 : history.size() - 1)},
      {"answered", answered},
      {"ack_latency_p50_ms_at_most", quantile_ms_at_most(older, newest, 0.50)},
      {"ack_latency_p99_ms_at_most", quantile_ms_at_most(older, newest, 0.99)},
      {"records_per_batch",
       batches == 0
           ? json::value(nullptr)
           : json::value(static_cast<double>(newest.records_committed - older.records_committed) /
                         static_cast<double>(batches))}};
}

json::object tranche_object(const Tranche& tranche, const TrancheStatus& status,
                            TimestampNs now_ns) {
  json::object applications;
  for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count; ++outcome) {
    applications[to_string(static_cast<Outcome>(outcome))] =
        status.applications_by_outcome[outcome];
  }
  json::object rejected;
  for (std::size_t reason = 1; reason < reason_count; ++reason) {
    rejected[to_string(static_cast<Reason>(reason))] = status.rejected_by_reason[reason];
  }
  json::array pools;
  for (std::size_t pool = 0; pool < status.pools.size(); ++pool) {
    const PoolStatus& figures = status.pools[pool];
    pools.push_back({{"compartment", tranche.pool_compartment_id(pool)},
                     {"capacity", figures.capacity_units},
                     {"carried_in", figures.carried_in_units},
                     {"carried_out", figures.carried_out_units},
                     {"remaining", figures.remaining_units},
                     {"granted", figures.granted_units}});
  }
  const bool open_now = !status.closed && now_ns >= tranche.opens_at && now_ns < tranche.closes_at;
  return {{"id", tranche.id},
          {"unit", tranche.counts_places ? "places" : "cents"},
          {"closed", status.closed},
          {"open", open_now},
          {"opens_at", format_rfc3339(tranche.opens_at)},
          {"closes_at", format_rfc3339(tranche.closes_at)},
          {"seconds_until_close",
           status.closed
               ? json::value(nullptr)
               : json::value(std::max<TimestampNs>(tranche.closes_at - now_ns, 0) / ns_per_second)},
          {"applications", std::move(applications)},
          {"rejected_by_reason", std::move(rejected)},
          {"pending_applications", status.pending_applications},
          {"lottery_days_pending", status.pending_days},
          {"pools", std::move(pools)}};
}

}  // namespace

std::string ops_snapshot_json(const Pipeline& pipeline, std::span<const OpsSample> history,
                              std::size_t connections, TimestampNs now_ns) {
  const PipelineCounters& counters = pipeline.counters();
  const Pipeline::TrancheGauges gauges = pipeline.tranche_gauges();
  const Pipeline::ClusterView view = pipeline.cluster_view();
  const std::uint64_t durable = pipeline.durable_sequence();
  json::object snapshot{
      {"now", format_rfc3339(now_ns)},
      {"version", loket_version},
      {"scheme", gauges.scheme ? gauges.scheme->id : std::string()},
      {"journal_healthy", pipeline.healthy()},
      {"durable_sequence", durable},
      {"as_of_sequence", gauges.as_of_sequence},
      {"queue_depth", counters.queue_depth.load()},
      {"awaiting_durability", counters.awaiting_durability.load()},
      {"connections", connections},
      {"journal_failures", counters.journal_failures.load()},
      {"decisions", gauges.decisions},
      {"checkpoint_size", gauges.checkpoint_size},
      {"cluster",
       {{"clustered", !view.status_json.empty()},
        {"leader", !pipeline.following()},
        {"leader_epoch", view.leader_epoch},
        {"leader_url", pipeline.leader_url()},
        {"lag_events", view.log_sequence > durable ? view.log_sequence - durable : 0U}}}};
  add_recent(snapshot, history);
  json::array tranches;
  for (std::size_t index = 0; gauges.scheme && index < gauges.tranches.size(); ++index) {
    tranches.push_back(
        tranche_object(gauges.scheme->tranches[index], gauges.tranches[index], now_ns));
  }
  snapshot["tranches"] = std::move(tranches);
  return json::serialize(snapshot);
}

}  // namespace loket
