// The request half of cluster/etcd_json.hpp: checks, then JSON bodies.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <variant>

#include "cluster/etcd_json.hpp"
#include "cluster/etcd_limits.hpp"
#include "parse/base64.hpp"

namespace loket::etcd_json {
namespace {

namespace json = boost::json;

// int64 fields are decimal strings in the gateway's JSON.
json::string number(std::int64_t value) {
  return json::string(std::to_string(value));
}
json::string bytes(std::string_view value) {
  return json::string(base64_encode(value));
}

Status check_key(std::string_view key, std::string_view what) {
  if (key.empty()) return Status::invalid_argument(fmt::format("{}: an empty key", what));
  return Status::ok();
}

Status check_size(std::size_t request_bytes, std::size_t request_bytes_max) {
  if (request_bytes <= request_bytes_max) return Status::ok();
  return Status::invalid_argument(
      fmt::format("the request is {} bytes as etcd counts them, more than the {} a request may "
                  "have (etcd's --max-request-bytes); nothing was sent",
                  request_bytes, request_bytes_max));
}

Status check_range(const EtcdRange& range) {
  if (Status key = check_key(range.key, "a range"); !key.is_ok()) return key;
  if (range.limit < 0) return Status::invalid_argument("a range with a negative limit");
  if (range.revision < 0) return Status::invalid_argument("a range at a negative revision");
  return Status::ok();
}

Status check_op(const EtcdOp& op) {
  if (const auto* put = std::get_if<EtcdPut>(&op)) {
    if (put->lease < 0) return Status::invalid_argument("a put with a negative lease");
    return check_key(put->key, "a put");
  }
  if (const auto* range = std::get_if<EtcdRange>(&op)) return check_range(*range);
  return check_key(std::get<EtcdDelete>(op).key, "a delete");
}

json::object put_object(const EtcdPut& put) {
  json::object object{{"key", bytes(put.key)}, {"value", bytes(put.value)}};
  if (put.lease != 0) object["lease"] = number(put.lease);
  return object;
}

json::object range_object(const EtcdRange& range) {
  json::object object{{"key", bytes(range.key)}};
  if (!range.range_end.empty()) object["range_end"] = bytes(range.range_end);
  if (range.limit != 0) object["limit"] = number(range.limit);
  if (range.revision != 0) object["revision"] = number(range.revision);
  return object;
}

json::object delete_object(const EtcdDelete& range) {
  json::object object{{"key", bytes(range.key)}};
  if (!range.range_end.empty()) object["range_end"] = bytes(range.range_end);
  return object;
}

json::object op_object(const EtcdOp& op) {
  if (const auto* put = std::get_if<EtcdPut>(&op)) return {{"request_put", put_object(*put)}};
  if (const auto* range = std::get_if<EtcdRange>(&op)) {
    return {{"request_range", range_object(*range)}};
  }
  return {{"request_delete_range", delete_object(std::get<EtcdDelete>(op))}};
}

const char* target_name(EtcdCompareTarget target) {
  switch (target) {
    case EtcdCompareTarget::version:
      return "VERSION";
    case EtcdCompareTarget::create_revision:
      return "CREATE";
    case EtcdCompareTarget::mod_revision:
      return "MOD";
    case EtcdCompareTarget::value:
      return "VALUE";
  }
  return "VERSION";
}

const char* op_name(EtcdCompareOp op) {
  switch (op) {
    case EtcdCompareOp::equal:
      return "EQUAL";
    case EtcdCompareOp::not_equal:
      return "NOT_EQUAL";
    case EtcdCompareOp::less:
      return "LESS";
    case EtcdCompareOp::greater:
      return "GREATER";
  }
  return "EQUAL";
}

json::object compare_object(const EtcdCompare& compare) {
  json::object object{{"key", bytes(compare.key)},
                      {"target", target_name(compare.target)},
                      {"result", op_name(compare.op)}};
  switch (compare.target) {
    case EtcdCompareTarget::version:
      object["version"] = number(compare.number);
      break;
    case EtcdCompareTarget::create_revision:
      object["create_revision"] = number(compare.number);
      break;
    case EtcdCompareTarget::mod_revision:
      object["mod_revision"] = number(compare.number);
      break;
    case EtcdCompareTarget::value:
      object["value"] = bytes(compare.value);
      break;
  }
  return object;
}

Status check_txn(const EtcdTxn& txn) {
  const std::size_t most = std::max({txn.compares.size(), txn.success.size(), txn.failure.size()});
  if (most > etcd_limits::txn_ops_max) {
    return Status::invalid_argument(
        fmt::format("a transaction with {} compares or operations in one list, more than etcd's "
                    "{} (--max-txn-ops)",
                    most, etcd_limits::txn_ops_max));
  }
  for (const EtcdCompare& compare : txn.compares) {
    if (Status key = check_key(compare.key, "a compare"); !key.is_ok()) return key;
  }
  for (const auto* ops : {&txn.success, &txn.failure}) {
    for (const EtcdOp& op : *ops) {
      if (Status checked = check_op(op); !checked.is_ok()) return checked;
    }
  }
  return Status::ok();
}

json::array op_array(const std::vector<EtcdOp>& ops) {
  json::array array;
  for (const EtcdOp& op : ops) array.push_back(op_object(op));
  return array;
}

// The body `encode` makes, once the request passed its checks and fits.
template <typename Encode>
Result<std::string> checked_body(Status checked, std::size_t request_bytes,
                                 std::size_t request_bytes_max, Encode encode) {
  if (!checked.is_ok()) return checked;
  if (Status sized = check_size(request_bytes, request_bytes_max); !sized.is_ok()) return sized;
  return json::serialize(encode());
}

}  // namespace

Result<std::string> put_request(const EtcdPut& put, std::size_t request_bytes_max) {
  return checked_body(check_op(put), etcd_request_bytes(put), request_bytes_max,
                      [&] { return put_object(put); });
}

Result<std::string> range_request(const EtcdRange& range, std::size_t request_bytes_max) {
  return checked_body(check_range(range), etcd_request_bytes(range), request_bytes_max,
                      [&] { return range_object(range); });
}

Result<std::string> delete_request(const EtcdDelete& range, std::size_t request_bytes_max) {
  return checked_body(check_op(range), etcd_request_bytes(range), request_bytes_max,
                      [&] { return delete_object(range); });
}

Result<std::string> txn_request(const EtcdTxn& txn, std::size_t request_bytes_max) {
  return checked_body(check_txn(txn), etcd_request_bytes(txn), request_bytes_max, [&] {
    json::array compares;
    for (const EtcdCompare& compare : txn.compares) compares.push_back(compare_object(compare));
    return json::object{{"compare", std::move(compares)},
                        {"success", op_array(txn.success)},
                        {"failure", op_array(txn.failure)}};
  });
}

Result<std::string> lease_grant_request(std::int64_t ttl_seconds) {
  if (ttl_seconds < 1 || ttl_seconds > etcd_limits::lease_ttl_seconds_max) {
    return Status::invalid_argument(fmt::format("a lease of {} s; etcd grants 1 to {}", ttl_seconds,
                                                etcd_limits::lease_ttl_seconds_max));
  }
  return json::serialize(json::object{{"TTL", number(ttl_seconds)}});
}

Result<std::string> lease_id_request(std::int64_t lease_id) {
  if (lease_id <= 0) return Status::invalid_argument(fmt::format("lease ID {}", lease_id));
  return json::serialize(json::object{{"ID", number(lease_id)}});
}

Result<std::string> compaction_request(std::int64_t revision) {
  if (revision <= 0) {
    return Status::invalid_argument(fmt::format("a compaction at revision {}", revision));
  }
  // physical: etcd answers once the old revisions are gone from its backend, not before.
  return json::serialize(json::object{{"revision", number(revision)}, {"physical", true}});
}

}  // namespace loket::etcd_json
