// The answer half of cluster/etcd_json.hpp: etcd's errors, then its answers, read strictly.
#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <charconv>
#include <limits>

#include "cluster/etcd_json.hpp"
#include "parse/base64.hpp"

namespace loket::etcd_json {
namespace {

namespace json = boost::json;

// etcd's rpctypes.ErrNoLeader, gRPC code 14.
constexpr std::string_view no_leader_message = "etcdserver: no leader";

// Reads the fields of an answer; an absent field is its default, as the gateway leaves
// defaults out. The first field that is present but wrong is kept as corruption.
class AnswerReader {
 public:
  explicit AnswerReader(std::string_view call) : call_(call) {}

  std::int64_t int64(const json::object& object, std::string_view field) {
    const json::value* value = object.if_contains(field);
    if (value == nullptr) return 0;
    if (value->is_int64()) return value->get_int64();
    std::int64_t number = 0;
    if (value->is_string() && parse_decimal(value->get_string(), number)) return number;
    fail(field, "is not an int64");
    return 0;
  }
  std::uint64_t uint64(const json::object& object, std::string_view field) {
    const json::value* value = object.if_contains(field);
    if (value == nullptr) return 0;
    if (value->is_uint64()) return value->get_uint64();
    if (value->is_int64() && value->get_int64() >= 0) {
      return static_cast<std::uint64_t>(value->get_int64());
    }
    std::uint64_t number = 0;
    if (value->is_string() && parse_decimal(value->get_string(), number)) return number;
    fail(field, "is not a uint64");
    return 0;
  }
  bool boolean(const json::object& object, std::string_view field) {
    const json::value* value = object.if_contains(field);
    if (value == nullptr) return false;
    if (value->is_bool()) return value->get_bool();
    fail(field, "is not a boolean");
    return false;
  }
  std::string text(const json::object& object, std::string_view field) {
    const json::value* value = object.if_contains(field);
    if (value == nullptr) return {};
    if (value->is_string()) return std::string(value->get_string());
    fail(field, "is not a string");
    return {};
  }
  std::string bytes(const json::object& object, std::string_view field) {
    std::string encoded = text(object, field);
    std::optional<std::string> decoded = base64_decode(encoded);
    if (decoded) return std::move(*decoded);
    fail(field, "is not base64");
    return {};
  }
  const json::object& object(const json::object& object, std::string_view field) {
    static const json::object empty;
    const json::value* value = object.if_contains(field);
    if (value == nullptr) return empty;
    if (value->is_object()) return value->get_object();
    fail(field, "is not an object");
    return empty;
  }
  const json::array& array(const json::object& object, std::string_view field) {
    static const json::array empty;
    const json::value* value = object.if_contains(field);
    if (value == nullptr) return empty;
    if (value->is_array()) return value->get_array();
    fail(field, "is not an array");
    return empty;
  }
  // An element of an array that must be an object.
  const json::object& element(const json::value& value, std::string_view field) {
    static const json::object empty;
    if (value.is_object()) return value.get_object();
    fail(field, "holds something that is not an object");
    return empty;
  }
  void fail(std::string_view field, std::string_view problem) {
    if (problem_.is_ok()) {
      problem_ = Status::corruption(
          fmt::format("etcd's answer to {} is malformed: \"{}\" {}", call_, field, problem));
    }
  }
  const Status& problem() const { return problem_; }

 private:
  template <typename Integer>
  static bool parse_decimal(std::string_view text, Integer& number) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    return !text.empty() && error == std::errc{} && end == text.data() + text.size();
  }

  std::string call_;
  Status problem_ = Status::ok();
};

// The value, or the first problem the reader found while making it.
template <typename T>
Result<T> checked(const AnswerReader& reader, T value) {
  if (!reader.problem().is_ok()) return reader.problem();
  return value;
}

EtcdHeader read_header(AnswerReader& reader, const json::object& answer) {
  const json::object& header = reader.object(answer, "header");
  return EtcdHeader{reader.int64(header, "revision"), reader.uint64(header, "member_id"),
                    reader.uint64(header, "raft_term")};
}

EtcdRangeResult read_range(AnswerReader& reader, const json::object& answer) {
  EtcdRangeResult result{read_header(reader, answer),
                         {},
                         reader.boolean(answer, "more"),
                         reader.int64(answer, "count")};
  for (const json::value& each : reader.array(answer, "kvs")) {
    const json::object& kv = reader.element(each, "kvs");
    result.kvs.push_back(EtcdKeyValue{
        reader.bytes(kv, "key"), reader.bytes(kv, "value"), reader.int64(kv, "create_revision"),
        reader.int64(kv, "mod_revision"), reader.int64(kv, "version"), reader.int64(kv, "lease")});
  }
  return result;
}

EtcdOpResult read_op_result(AnswerReader& reader, const json::object& response) {
  if (const json::value* put = response.if_contains("response_put")) {
    return EtcdPutResult{read_header(reader, reader.element(*put, "response_put"))};
  }
  if (const json::value* range = response.if_contains("response_range")) {
    return read_range(reader, reader.element(*range, "response_range"));
  }
  if (const json::value* removed = response.if_contains("response_delete_range")) {
    const json::object& object = reader.element(*removed, "response_delete_range");
    return EtcdDeleteResult{read_header(reader, object), reader.int64(object, "deleted")};
  }
  reader.fail("responses", "holds an operation the client did not send");
  return EtcdPutResult{};
}

const char* grpc_code_name(std::int64_t code) {
  constexpr const char* names[] = {"OK",
                                   "CANCELLED",
                                   "UNKNOWN",
                                   "INVALID_ARGUMENT",
                                   "DEADLINE_EXCEEDED",
                                   "NOT_FOUND",
                                   "ALREADY_EXISTS",
                                   "PERMISSION_DENIED",
                                   "RESOURCE_EXHAUSTED",
                                   "FAILED_PRECONDITION",
                                   "ABORTED",
                                   "OUT_OF_RANGE",
                                   "UNIMPLEMENTED",
                                   "INTERNAL",
                                   "UNAVAILABLE",
                                   "DATA_LOSS",
                                   "UNAUTHENTICATED"};
  if (code < 0 || code >= static_cast<std::int64_t>(std::size(names))) return "an unknown code";
  return names[code];
}

}  // namespace

StatusCode status_code_for_grpc(std::int64_t grpc_code) {
  switch (grpc_code) {
    case 3:   // INVALID_ARGUMENT: an empty key, a request too large, a malformed field
    case 9:   // FAILED_PRECONDITION
    case 11:  // OUT_OF_RANGE: a revision compacted away or still in the future
      return StatusCode::invalid_argument;
    case 5:  // NOT_FOUND: a lease that has ended
      return StatusCode::not_found;
    case 6:
      return StatusCode::already_exists;
    case 8:  // RESOURCE_EXHAUSTED: too many requests, or the space quota is used up
      return StatusCode::busy;
    case 1:   // CANCELLED
    case 2:   // UNKNOWN: the gateway's "context deadline exceeded" when no leader answers
    case 4:   // DEADLINE_EXCEEDED
    case 14:  // UNAVAILABLE: no leader, the leader changed, the request timed out
      return StatusCode::unavailable;
    default:
      return StatusCode::io_error;
  }
}

bool is_no_leader_refusal(const Status& failure) {
  return failure.code() == StatusCode::unavailable &&
         failure.message().find(no_leader_message) != std::string::npos;
}

Result<json::object> parse_answer(unsigned http_status, std::string_view body,
                                  std::string_view call) {
  boost::system::error_code parse_error;
  json::value parsed = json::parse(body, parse_error);
  if (parse_error || !parsed.is_object()) {
    return Status::corruption(
        fmt::format("etcd's answer to {} (HTTP {}) is not a JSON object: "
                    "\"{:.80}\"",
                    call, http_status, body));
  }
  json::object answer = std::move(parsed.get_object());
  // A streamed call (a keep-alive) wraps a failure as {"error": {"grpc_code": ...}}.
  const json::object* failure = &answer;
  std::string_view code_field = "code";
  if (const json::value* error = answer.if_contains("error"); error && error->is_object()) {
    failure = &error->get_object();
    code_field = "grpc_code";
  }
  AnswerReader reader(call);
  if (failure->contains(code_field)) {
    const std::int64_t code = reader.int64(*failure, code_field);
    const std::string message = reader.text(*failure, "message");
    if (!reader.problem().is_ok()) return reader.problem();
    return Status::io_error(
               fmt::format("etcd refused {}: {} ({})", call, message, grpc_code_name(code)))
        .with_code(status_code_for_grpc(code));
  }
  if (http_status != 200) {
    return Status::corruption(
        fmt::format("etcd answered {} with HTTP {} and no error", call, http_status));
  }
  return answer;
}

Result<EtcdPutResult> put_answer(const json::object& answer, std::string_view call) {
  AnswerReader reader(call);
  return checked(reader, EtcdPutResult{read_header(reader, answer)});
}

Result<EtcdRangeResult> range_answer(const json::object& answer, std::string_view call) {
  AnswerReader reader(call);
  return checked(reader, read_range(reader, answer));
}

Result<EtcdDeleteResult> delete_answer(const json::object& answer, std::string_view call) {
  AnswerReader reader(call);
  return checked(reader,
                 EtcdDeleteResult{read_header(reader, answer), reader.int64(answer, "deleted")});
}

Result<EtcdTxnResult> txn_answer(const json::object& answer, std::string_view call) {
  AnswerReader reader(call);
  EtcdTxnResult result{read_header(reader, answer), reader.boolean(answer, "succeeded"), {}};
  for (const json::value& each : reader.array(answer, "responses")) {
    result.results.push_back(read_op_result(reader, reader.element(each, "responses")));
  }
  return checked(reader, std::move(result));
}

Result<EtcdLease> lease_grant_answer(const json::object& answer, std::string_view call) {
  AnswerReader reader(call);
  const EtcdLease lease{reader.int64(answer, "ID"), reader.int64(answer, "TTL")};
  if (const std::string refusal = reader.text(answer, "error"); !refusal.empty()) {
    return Status::io_error(fmt::format("etcd refused {}: {}", call, refusal));
  }
  if (reader.problem().is_ok() && (lease.id <= 0 || lease.ttl_seconds <= 0)) {
    reader.fail("ID", "or \"TTL\" is missing: no lease was granted");
  }
  return checked(reader, lease);
}

Result<EtcdLease> lease_keep_alive_answer(const json::object& answer, std::string_view call) {
  AnswerReader reader(call);
  const json::object& result = reader.object(answer, "result");
  if (!answer.contains("result")) reader.fail("result", "is missing");
  const EtcdLease lease{reader.int64(result, "ID"), reader.int64(result, "TTL")};
  if (reader.problem().is_ok() && lease.ttl_seconds <= 0) {
    return Status::not_found(fmt::format("{}: lease {} has ended", call, lease.id));
  }
  return checked(reader, lease);
}

Result<EtcdMemberStatus> status_answer(const json::object& answer, std::string_view call) {
  AnswerReader reader(call);
  return checked(reader, EtcdMemberStatus{
                             read_header(reader, answer), reader.uint64(answer, "leader"),
                             reader.uint64(answer, "raftIndex"), reader.uint64(answer, "raftTerm"),
                             reader.int64(answer, "dbSize"), reader.text(answer, "version"),
                             reader.int64(answer, "dbSizeInUse")});
}

Result<EtcdHeader> header_answer(const json::object& answer, std::string_view call) {
  AnswerReader reader(call);
  return checked(reader, read_header(reader, answer));
}

}  // namespace loket::etcd_json
