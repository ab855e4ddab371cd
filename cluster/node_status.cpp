#include "cluster/node_status.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace loket {

namespace json = boost::json;

namespace {

std::string nodes_prefix(const EtcdLogKeys& keys) {
  return keys.prefix + "nodes/";
}

}  // namespace

std::string node_status_key(const EtcdLogKeys& keys, const std::string& name) {
  return nodes_prefix(keys) + name;
}

json::object node_status_json(const NodeStatus& status) {
  return json::object{{"node", status.name},
                      {"url", status.url},
                      {"role", status.role},
                      {"applied_sequence", status.applied_sequence},
                      {"applied_chunks", status.applied_chunks},
                      {"updated_unix_ms", status.updated_unix_ms}};
}

std::string encode_node_status(const NodeStatus& status) {
  return json::serialize(node_status_json(status));
}

Result<NodeStatus> decode_node_status(std::string_view value) {
  const auto refused = [value] {
    return Status::corruption(
        fmt::format("a node status key holds {:?}, not a node status", value.substr(0, 200)));
  };
  boost::system::error_code error;
  const json::value parsed = json::parse(value, error);
  const json::object* object = error ? nullptr : parsed.if_object();
  if (object == nullptr || object->size() != 6) return refused();
  NodeStatus status;
  const auto text = [&](std::string_view name, std::string& out) {
    const json::value* found = object->if_contains(name);
    if (found == nullptr || !found->is_string()) return false;
    out = std::string(found->get_string());
    return true;
  };
  const auto number = [&](std::string_view name, auto& out) {
    const json::value* found = object->if_contains(name);
    if (found == nullptr) return false;
    boost::system::error_code wrong;
    out = found->to_number<std::remove_reference_t<decltype(out)>>(wrong);
    return !wrong;
  };
  if (!text("node", status.name) || !text("url", status.url) || !text("role", status.role) ||
      !number("applied_sequence", status.applied_sequence) ||
      !number("applied_chunks", status.applied_chunks) ||
      !number("updated_unix_ms", status.updated_unix_ms)) {
    return refused();
  }
  return status;
}

Status publish_node_status(EtcdClient& client, const EtcdLogKeys& keys, const NodeStatus& status) {
  const Result<EtcdPutResult> put =
      client.put(EtcdPut{node_status_key(keys, status.name), encode_node_status(status), 0});
  return put.ok() ? Status::ok() : put.status();
}

Result<std::vector<NodeStatus>> read_node_statuses(EtcdClient& client, const EtcdLogKeys& keys) {
  const Result<EtcdRangeResult> range = client.range(EtcdRange::prefix(nodes_prefix(keys)));
  if (!range.ok()) return range.status();
  std::vector<NodeStatus> nodes;
  for (const EtcdKeyValue& key : range->kvs) {
    Result<NodeStatus> node = decode_node_status(key.value);
    if (!node.ok()) return node.status();
    nodes.push_back(std::move(*node));
  }
  return nodes;
}

}  // namespace loket
