// etcd's v3 JSON gateway format (internal to cluster/): the bodies the client sends and the
// answers it reads. The gateway maps etcd's protobuf messages to JSON with their field names:
// `bytes` fields (keys, values, range ends) are base64, int64 and uint64 fields are decimal
// strings, enums are names, and a field at its default (0, "", false, empty) is left out.
//
// A request is checked before it is encoded: what etcd would refuse (an empty key, a negative
// limit, too many operations, more bytes than the client's request_bytes_max) is
// invalid_argument here, and nothing is sent. An answer that is not what etcd writes is
// corruption, naming the call and the field.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.hpp"
#include "cluster/etcd_types.hpp"

namespace loket::etcd_json {

Result<std::string> put_request(const EtcdPut& put, std::size_t request_bytes_max);
Result<std::string> range_request(const EtcdRange& range, std::size_t request_bytes_max);
Result<std::string> delete_request(const EtcdDelete& range, std::size_t request_bytes_max);
Result<std::string> txn_request(const EtcdTxn& txn, std::size_t request_bytes_max);
Result<std::string> lease_grant_request(std::int64_t ttl_seconds);
Result<std::string> lease_id_request(std::int64_t lease_id);
Result<std::string> compaction_request(std::int64_t revision);

// The JSON object of an answer, or the Status it stands for: etcd's own error ({"code": N,
// "message": ...}, gRPC's codes) mapped to a StatusCode, or corruption when it is not JSON
// from etcd. `call` names the request in messages (e.g. "/v3/kv/put at http://...").
Result<boost::json::object> parse_answer(unsigned http_status, std::string_view body,
                                         std::string_view call);
// The StatusCode for one of gRPC's status codes, as etcd answers them.
StatusCode status_code_for_grpc(std::int64_t grpc_code);
// Whether a failure from parse_answer is etcd's "no leader": the member refused the request
// before acting on it (the client asks it to, with gRPC's hasleader metadata), so that even a
// write may be sent to another member.
bool is_no_leader_refusal(const Status& failure);

Result<EtcdPutResult> put_answer(const boost::json::object& answer, std::string_view call);
Result<EtcdRangeResult> range_answer(const boost::json::object& answer, std::string_view call);
Result<EtcdDeleteResult> delete_answer(const boost::json::object& answer, std::string_view call);
Result<EtcdTxnResult> txn_answer(const boost::json::object& answer, std::string_view call);
Result<EtcdLease> lease_grant_answer(const boost::json::object& answer, std::string_view call);
// A keep-alive's answer is one message of a stream: {"result": {...}}. A lease that has
// ended is renewed to a TTL of 0 (etcd's way of saying so): not_found.
Result<EtcdLease> lease_keep_alive_answer(const boost::json::object& answer, std::string_view call);
Result<EtcdMemberStatus> status_answer(const boost::json::object& answer, std::string_view call);
// Answers whose only content is their header (revoke, compaction, defragment).
Result<EtcdHeader> header_answer(const boost::json::object& answer, std::string_view call);

}  // namespace loket::etcd_json
