// What each node of a cluster says about itself, under PREFIX/nodes/NAME in etcd: its URL, its
// role and how far it has applied the log. The leader trims the log to what every node has
// applied; GET /v1/cluster and `loket cluster status` show them. The key has no lease: a node
// that is down keeps its place (and holds back trimming) until an operator removes it
// (docs/cluster.md, "Replacing a node").
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/etcd_client.hpp"
#include "cluster/etcd_log.hpp"

namespace loket {

struct NodeStatus {
  std::string name;
  std::string url;
  std::string role;                    // "leader" or "follower"
  std::uint64_t applied_sequence = 0;  // durable in its journal
  std::uint64_t applied_chunks = 0;    // the log's chunks 1..applied_chunks are in it
  std::int64_t updated_unix_ms = 0;    // when the node last said so, by its clock
  bool operator==(const NodeStatus&) const = default;
};

std::string node_status_key(const EtcdLogKeys& keys, const std::string& name);
std::string encode_node_status(const NodeStatus& status);  // node_status_json, serialized
boost::json::object node_status_json(const NodeStatus& status);
// corruption, quoting the value, when it is not a node status.
Result<NodeStatus> decode_node_status(std::string_view value);

Status publish_node_status(EtcdClient& client, const EtcdLogKeys& keys, const NodeStatus& status);
// Every node's, in name order; a value that is not a node status is corruption.
Result<std::vector<NodeStatus>> read_node_statuses(EtcdClient& client, const EtcdLogKeys& keys);

}  // namespace loket
