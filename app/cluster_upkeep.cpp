// A cluster node's upkeep (app/cluster_leadership.hpp): its status key, the view GET
// /v1/cluster and /metrics show, and the leader's trimming of the log (docs/cluster.md,
// "Compaction").
#include <fmt/format.h>

#include <boost/json.hpp>

#include "app/cluster_leadership.hpp"
#include "cluster/etcd_defragment.hpp"

namespace loket {

using namespace cluster_limits;
namespace json = boost::json;

void ClusterLeadership::lead_upkeep(Pipeline& pipeline) {
  Result<EtcdClient> client = EtcdClient::create({options_.endpoints});
  if (!client.ok()) return;  // the options made one before: cannot happen
  while (!wait_or_stop(std::chrono::milliseconds(follow_interval_ms), false)) {
    upkeep(pipeline, true, *client);
  }
}

void ClusterLeadership::upkeep(Pipeline& pipeline, bool leads, EtcdClient& client) {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_status_) return;
  next_status_ = now + std::chrono::milliseconds(node_status_interval_ms);
  const std::uint64_t durable = pipeline.durable_sequence();
  if (leads) {
    // Chunks count as held once the journal is durable through their last sequence.
    if (Result<EtcdLogTail> tail = read_etcd_log_tail(client, keys_); tail.ok()) {
      tail_seen_ = std::move(*tail);
      if (durable >= tail_seen_.last_sequence) durable_chunks_ = tail_seen_.chunks;
    }
    leader_seen_ = LeaderSeen{{options_.node_name, options_.advertise_url}, epoch(), 0};
  }
  while (!offered_.empty() && offered_.front().sequence <= durable) {
    durable_chunks_ = offered_.front().chunks;
    offered_.pop_front();
  }
  const auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  // Failures here are retried at the next interval; following and leading go on meanwhile.
  (void)publish_node_status(
      client, keys_,
      NodeStatus{options_.node_name, options_.advertise_url, leads ? "leader" : "follower", durable,
                 durable_chunks_, unix_ms});
  const Result<std::vector<NodeStatus>> nodes = read_node_statuses(client, keys_);
  if (!nodes.ok()) return;
  pipeline.set_cluster_view({leader_seen_ ? leader_seen_->epoch : 0, tail_seen_.last_sequence,
                             cluster_status_json(*nodes)});
  if (leads && now >= next_trim_) {
    next_trim_ = now + std::chrono::milliseconds(trim_interval_ms);
    trim_log(*nodes, client);
    defragment_as_needed();
  }
}

std::string ClusterLeadership::cluster_status_json(const std::vector<NodeStatus>& nodes) const {
  json::object body;
  if (leader_seen_) {
    body["leader"] = json::object{{"node", leader_seen_->node.name},
                                  {"url", leader_seen_->node.url},
                                  {"epoch", leader_seen_->epoch}};
  } else {
    body["leader"] = nullptr;
  }
  body["log"] = json::object{{"chunks", tail_seen_.chunks},
                             {"sequence", tail_seen_.last_sequence},
                             {"first_chunk", trimmed_before_ == 0 ? 1 : trimmed_before_}};
  json::array listed;
  for (const NodeStatus& node : nodes) listed.push_back(node_status_json(node));
  body["nodes"] = std::move(listed);
  body["this_node"] = options_.node_name;
  return json::serialize(body);
}

// Deletes the chunks every node has made durable, then compacts etcd's history to now. A node
// that is down holds its place (its status key stays), so trimming waits for it; a node never
// seen must be seeded.
void ClusterLeadership::trim_log(const std::vector<NodeStatus>& nodes, EtcdClient& client) {
  std::uint64_t floor = tail_seen_.chunks;
  for (const NodeStatus& node : nodes) floor = std::min(floor, node.applied_chunks);
  if (floor + 1 <= std::max<std::uint64_t>(trimmed_before_, 1)) return;
  if (!trim_etcd_log(client, keys_, floor + 1).is_ok()) return;
  trimmed_before_ = floor + 1;
  const Result<EtcdMemberStatus> status = client.status();
  if (status.ok()) (void)client.compact(status->header.revision);
}

// Gives etcd's free pages back to the file system, one member per trim interval, only when
// much of its file is free and little is in use (cluster/etcd_defragment.hpp): defragmenting
// blocks the member while it copies what is in use, so only at a quiet moment, after trimming.
// On a client of its own, which waits long enough for a defragment to finish.
void ClusterLeadership::defragment_as_needed() {
  if (defragment_rounds_to_skip_ > 0) {
    --defragment_rounds_to_skip_;
    return;
  }
  if (!defragment_client_) {
    Result<EtcdClient> client =
        EtcdClient::create({options_.endpoints, etcd_limits::connect_timeout_ms_default,
                            etcd_defragment_limits::request_timeout_ms});
    if (!client.ok()) return;  // the options made one before: cannot happen
    defragment_client_ = std::make_unique<EtcdClient>(std::move(*client));
  }
  const Result<std::optional<Defragmented>> done = defragment_one_member(*defragment_client_, {});
  if (!done.ok()) {
    defragment_rounds_to_skip_ = etcd_defragment_limits::rounds_skipped_after_failure;
    fmt::print(log_, "loket serve: defragmenting etcd failed (tried again later): {}\n",
               done.status().message());
  } else if (done->has_value()) {
    constexpr double mib = 1 << 20;
    fmt::print(log_, "loket serve: defragmented the etcd member at {}: {:.1f} MiB -> {:.1f} MiB\n",
               (*done)->endpoint, static_cast<double>((*done)->db_size_bytes_before) / mib,
               static_cast<double>((*done)->db_size_bytes_after) / mib);
  }
  std::fflush(log_);
}

}  // namespace loket
