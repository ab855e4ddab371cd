#include "cluster/etcd_types.hpp"

#include <utility>

#include "cluster/etcd_limits.hpp"

namespace loket {

EtcdRange EtcdRange::single(std::string key) {
  return EtcdRange{std::move(key), {}, 0, 0};
}

EtcdRange EtcdRange::prefix(std::string prefix, std::int64_t limit) {
  std::string end = etcd_prefix_end(prefix);
  return EtcdRange{std::move(prefix), std::move(end), limit, 0};
}

std::string etcd_prefix_end(std::string prefix) {
  // Drop the trailing 0xff bytes, which cannot be incremented, then increment the last byte.
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::string(1, '\0');
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

EtcdCompare EtcdCompare::value_is(std::string key, EtcdCompareOp op, std::string value) {
  return EtcdCompare{std::move(key), EtcdCompareTarget::value, op, 0, std::move(value)};
}

EtcdCompare EtcdCompare::version_is(std::string key, EtcdCompareOp op, std::int64_t version) {
  return EtcdCompare{std::move(key), EtcdCompareTarget::version, op, version, {}};
}

EtcdCompare EtcdCompare::create_revision_is(std::string key, EtcdCompareOp op,
                                            std::int64_t revision) {
  return EtcdCompare{std::move(key), EtcdCompareTarget::create_revision, op, revision, {}};
}

EtcdCompare EtcdCompare::mod_revision_is(std::string key, EtcdCompareOp op, std::int64_t revision) {
  return EtcdCompare{std::move(key), EtcdCompareTarget::mod_revision, op, revision, {}};
}

namespace {

std::size_t message_bytes(std::size_t fields_bytes) {
  return fields_bytes + etcd_limits::message_overhead_bytes;
}

std::size_t op_bytes(const EtcdOp& op) {
  return std::visit(
      [](const auto& each) {
        return etcd_request_bytes(each) - etcd_limits::request_overhead_bytes;
      },
      op);
}

}  // namespace

std::size_t etcd_request_bytes(const EtcdPut& put) {
  return message_bytes(put.key.size() + put.value.size()) + etcd_limits::request_overhead_bytes;
}

std::size_t etcd_request_bytes(const EtcdRange& range) {
  return message_bytes(range.key.size() + range.range_end.size()) +
         etcd_limits::request_overhead_bytes;
}

std::size_t etcd_request_bytes(const EtcdDelete& range) {
  return message_bytes(range.key.size() + range.range_end.size()) +
         etcd_limits::request_overhead_bytes;
}

std::size_t etcd_request_bytes(const EtcdTxn& txn) {
  std::size_t bytes = etcd_limits::request_overhead_bytes;
  for (const EtcdCompare& compare : txn.compares) {
    bytes += message_bytes(compare.key.size() + compare.value.size());
  }
  for (const EtcdOp& op : txn.success) bytes += op_bytes(op);
  for (const EtcdOp& op : txn.failure) bytes += op_bytes(op);
  return bytes;
}

}  // namespace loket
