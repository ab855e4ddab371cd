// GET /metrics: the pipeline's counters, the connections and the acknowledgement latency as
// Prometheus text (exposition format 0.0.4).
#include <fmt/format.h>

#include "net/server.hpp"

namespace loket {
namespace {

struct Family {
  std::string_view name;
  std::string_view type;  // counter | gauge
  std::string_view help;
  std::uint64_t value;
};

void append_family_header(std::string& text, std::string_view name, std::string_view type,
                          std::string_view help) {
  fmt::format_to(std::back_inserter(text), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// Per tranche and per compartment ("pool"), as last published by the allocator thread. A
// pool's units are places or cents, named in the `unit` label.
void append_tranche_gauges(std::string& text, const Pipeline::TrancheGauges& gauges) {
  if (!gauges.scheme) return;
  auto out = std::back_inserter(text);
  append_family_header(text, "loket_tranche_applications", "gauge",
                       "Applications in each tranche by their current outcome.");
  for (std::size_t index = 0; index < gauges.tranches.size(); ++index) {
    for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count;
         ++outcome) {
      fmt::format_to(out, "loket_tranche_applications{{tranche=\"{}\",outcome=\"{}\"}} {}\n",
                     gauges.scheme->tranches[index].id, to_string(static_cast<Outcome>(outcome)),
                     gauges.tranches[index].applications_by_outcome[outcome]);
    }
  }
  append_family_header(text, "loket_tranche_closed", "gauge", "1 once the tranche is closed.");
  for (std::size_t index = 0; index < gauges.tranches.size(); ++index) {
    fmt::format_to(out, "loket_tranche_closed{{tranche=\"{}\"}} {}\n",
                   gauges.scheme->tranches[index].id, gauges.tranches[index].closed ? 1 : 0);
  }
  struct PoolFamily {
    std::string_view what;
    std::int64_t PoolStatus::*member;
    std::string_view help;
  };
  const PoolFamily pool_families[] = {
      {"capacity", &PoolStatus::capacity_units, "its share of the cap, before transfers"},
      {"remaining", &PoolStatus::remaining_units, "what is still to grant"},
      {"granted", &PoolStatus::granted_units, "what was granted within the cap"},
      {"unmet", &PoolStatus::unmet_units, "what was requested and not (yet) granted"},
      {"carried_in", &PoolStatus::carried_in_units, "what earlier tranches carried into it (R11)"},
      {"carried_out", &PoolStatus::carried_out_units,
       "what it carried to a later tranche at its close (R11)"}};
  for (const auto& [what, member, help] : pool_families) {
    const std::string name = fmt::format("loket_pool_{}_units", what);
    append_family_header(
        text, name, "gauge",
        fmt::format("Per compartment: {}, in places or cents (the unit label).", help));
    for (std::size_t index = 0; index < gauges.tranches.size(); ++index) {
      const Tranche& tranche = gauges.scheme->tranches[index];
      const std::vector<PoolStatus>& pools = gauges.tranches[index].pools;
      for (std::size_t pool = 0; pool < pools.size(); ++pool) {
        fmt::format_to(out, "{}{{tranche=\"{}\",compartment=\"{}\",unit=\"{}\"}} {}\n", name,
                       tranche.id, tranche.pool_compartment_id(pool),
                       tranche.counts_places ? "places" : "cents", pools[pool].*member);
      }
    }
  }
  append_family_header(text, "loket_tranches_as_of_sequence", "gauge",
                       "The sequence the tranche gauges reflect.");
  fmt::format_to(out, "loket_tranches_as_of_sequence {}\n", gauges.as_of_sequence);
}

// The acknowledgement latency as a Prometheus histogram, in seconds.
void append_latency_histogram(std::string& text, const LatencyHistogram& latency) {
  auto out = std::back_inserter(text);
  append_family_header(text, "loket_ack_latency_seconds", "histogram",
                       "From arrival to the reply being written.");
  std::uint64_t cumulative = 0;
  for (std::size_t bucket = 0; bucket < LatencyHistogram::bounds_us.size(); ++bucket) {
    cumulative += latency.counts[bucket].load();
    fmt::format_to(out, "loket_ack_latency_seconds_bucket{{le=\"{}\"}} {}\n",
                   static_cast<double>(LatencyHistogram::bounds_us[bucket]) / 1e6, cumulative);
  }
  cumulative += latency.counts.back().load();
  fmt::format_to(out,
                 "loket_ack_latency_seconds_bucket{{le=\"+Inf\"}} {}\n"
                 "loket_ack_latency_seconds_sum {}\nloket_ack_latency_seconds_count {}\n",
                 cumulative, static_cast<double>(latency.sum_us.load()) / 1e6, cumulative);
}

}  // namespace

std::string metrics_text(const Pipeline& pipeline, const LatencyHistogram& latency,
                         std::size_t connections, bool ready) {
  const PipelineCounters& counters = pipeline.counters();
  std::string text;
  auto out = std::back_inserter(text);
  append_family_header(text, "loket_submissions_total", "counter",
                       "Submissions decided, by outcome at submission.");
  for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count; ++outcome) {
    fmt::format_to(out, "loket_submissions_total{{outcome=\"{}\"}} {}\n",
                   to_string(static_cast<Outcome>(outcome)),
                   counters.submissions_by_outcome[outcome].load());
  }
  const Pipeline::ClusterView view = pipeline.cluster_view();
  const std::uint64_t durable = pipeline.durable_sequence();
  const Family families[] = {
      {"loket_ready", "gauge", "1 while /readyz answers 200: this node takes submissions.",
       ready ? 1U : 0U},
      {"loket_queue_depth", "gauge", "Jobs waiting for the allocator thread.",
       counters.queue_depth.load()},
      {"loket_queue_capacity", "gauge", "Jobs the queue holds before it answers 503.",
       pipeline.queue_jobs_max()},
      {"loket_awaiting_durability", "gauge", "Decided jobs waiting for their journal sync.",
       counters.awaiting_durability.load()},
      {"loket_rejected_busy_total", "counter", "Requests answered 503 because the queue was full.",
       counters.rejected_full.load()},
      {"loket_refused_total", "counter",
       "Commands the engine or the lottery seed rules refused, not journaled.",
       counters.refused.load()},
      {"loket_journal_records_total", "counter", "Records this process committed to the journal.",
       counters.records_committed.load()},
      {"loket_journal_batches_total", "counter", "Synced batches this process committed.",
       counters.batches_committed.load()},
      {"loket_durable_sequence", "gauge", "The last sequence durable in the journal.",
       pipeline.durable_sequence()},
      {"loket_connections", "gauge", "Open client connections.", connections},
      {"loket_journal_healthy", "gauge", "1 while the journal writes, 0 while it cannot.",
       pipeline.healthy() ? 1U : 0U},
      {"loket_journal_failures_total", "counter", "Times the journal failed to write or sync.",
       counters.journal_failures.load()},
      {"loket_journal_reopened_total", "counter", "Times the journal was reopened in place.",
       counters.journal_reopened.load()},
      {"loket_cluster_leader_epoch", "gauge",
       "The cluster leader's epoch as this node last saw it; 0 for a single node.",
       static_cast<std::uint64_t>(std::max<std::int64_t>(view.leader_epoch, 0))},
      {"loket_cluster_leader", "gauge", "1 on a cluster's leader and on a single node.",
       pipeline.following() ? 0U : 1U},
      {"loket_replication_lag_events", "gauge",
       "Events in the cluster's log in etcd not yet durable in this node's journal.",
       view.log_sequence > durable ? view.log_sequence - durable : 0U},
      {"loket_replicated_events_total", "counter",
       "Events this node applied from the leader's log as a follower.",
       counters.replicated_events.load()},
  };
  for (const Family& family : families) {
    append_family_header(text, family.name, family.type, family.help);
    fmt::format_to(out, "{} {}\n", family.name, family.value);
  }
  append_tranche_gauges(text, pipeline.tranche_gauges());
  append_latency_histogram(text, latency);
  return text;
}

}  // namespace loket
