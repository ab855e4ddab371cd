#include "cluster/etcd_client.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <set>
#include <utility>

#include "cluster/etcd_json.hpp"
#include "cluster/http_connection.hpp"

namespace loket {
namespace {

namespace json = boost::json;

// etcd 3.4's gateway paths (3.4 also answers /v3beta; 3.5 and later only /v3).
constexpr std::string_view kv_put = "/v3/kv/put";
constexpr std::string_view kv_range = "/v3/kv/range";
constexpr std::string_view kv_delete_range = "/v3/kv/deleterange";
constexpr std::string_view kv_txn = "/v3/kv/txn";
constexpr std::string_view kv_compaction = "/v3/kv/compaction";
constexpr std::string_view lease_grant = "/v3/lease/grant";
constexpr std::string_view lease_keep_alive = "/v3/lease/keepalive";
constexpr std::string_view lease_revoke = "/v3/lease/revoke";
constexpr std::string_view maintenance_status = "/v3/maintenance/status";
constexpr std::string_view maintenance_defragment = "/v3/maintenance/defragment";
constexpr std::string_view no_fields = "{}";

// Whether a request that reached a member and then failed may be sent to another one.
enum class Resend { any_time, only_unsent };

struct Answered {
  json::object answer;
  std::string call;  // the path and the member, for messages
};

Status check_options(const EtcdClientOptions& options) {
  if (options.endpoints.empty() || options.endpoints.size() > etcd_limits::endpoints_max) {
    return Status::invalid_argument(fmt::format(
        "{} etcd endpoints; give 1 to {}", options.endpoints.size(), etcd_limits::endpoints_max));
  }
  for (const std::uint32_t timeout_ms : {options.connect_timeout_ms, options.request_timeout_ms}) {
    if (timeout_ms == 0 || timeout_ms > etcd_limits::timeout_ms_max) {
      return Status::invalid_argument(fmt::format("an etcd timeout of {} ms; give 1 to {}",
                                                  timeout_ms, etcd_limits::timeout_ms_max));
    }
  }
  constexpr std::size_t smallest_request =
      etcd_limits::request_overhead_bytes + etcd_limits::message_overhead_bytes;
  if (options.request_bytes_max <= smallest_request || options.response_bytes_max == 0) {
    return Status::invalid_argument(
        fmt::format("etcd request_bytes_max {} (must exceed {}) or response_bytes_max {}",
                    options.request_bytes_max, smallest_request, options.response_bytes_max));
  }
  return Status::ok();
}

}  // namespace

struct EtcdClient::Impl {
  EtcdClientOptions options;
  HttpTimeouts timeouts;
  boost::asio::io_context io;
  std::vector<HttpConnection> connections;  // one per endpoint, in the options' order
  std::size_t current = 0;

  struct Attempt {
    Result<Answered> answered;
    bool request_sent = false;  // when it failed: whether the member may have got the request
  };

  Attempt attempt(std::size_t index, std::string_view path, const std::string& body) {
    HttpConnection& connection = connections[index];
    std::string call = fmt::format("{} at {}", path, connection.endpoint().url);
    const HttpExchange exchanged = connection.post(path, body, timeouts);
    if (!exchanged.answer.ok()) return {exchanged.answer.status(), exchanged.request_sent};
    Result<json::object> answer =
        etcd_json::parse_answer(exchanged.answer->status, exchanged.answer->body, call);
    if (!answer.ok()) return {answer.status(), !etcd_json::is_no_leader_refusal(answer.status())};
    return {Answered{std::move(*answer), std::move(call)}, true};
  }

  // Sends to the current member, failing over as the header of etcd_client.hpp says.
  Result<Answered> exchange(std::string_view path, const std::string& body, Resend resend) {
    std::string failures;
    for (std::size_t tried = 0; tried < connections.size(); ++tried) {
      Attempt tried_member = attempt(current, path, body);
      const Status& failure = tried_member.answered.status();
      if (tried_member.answered.ok() || failure.code() != StatusCode::unavailable) {
        return std::move(tried_member.answered);
      }
      current = (current + 1) % connections.size();
      if (tried_member.request_sent && resend == Resend::only_unsent) {
        return Status::unavailable(
            fmt::format("{}; the write may or may not have been applied", failure.message()));
      }
      failures += fmt::format("{}{}", failures.empty() ? "" : "; ", failure.message());
    }
    return Status::unavailable(fmt::format("no etcd member answered {}: {}", path, failures));
  }

  template <typename T>
  Result<T> call(std::string_view path, const Result<std::string>& body, Resend resend,
                 Result<T> (*decode)(const json::object&, std::string_view)) {
    if (!body.ok()) return body.status();
    Result<Answered> answered = exchange(path, *body, resend);
    if (!answered.ok()) return answered.status();
    return decode(answered->answer, answered->call);
  }

  template <typename T>
  Result<T> call_member(std::size_t index, std::string_view path,
                        Result<T> (*decode)(const json::object&, std::string_view)) {
    if (index >= connections.size()) {
      return Status::invalid_argument(
          fmt::format("etcd endpoint {} of {}", index, connections.size()));
    }
    Result<Answered> answered = attempt(index, path, std::string(no_fields)).answered;
    if (!answered.ok()) return answered.status();
    return decode(answered->answer, answered->call);
  }
};

Result<EtcdClient> EtcdClient::create(EtcdClientOptions options) {
  if (Status checked = check_options(options); !checked.is_ok()) return checked;
  auto impl = std::make_unique<Impl>();
  impl->timeouts = HttpTimeouts{std::chrono::milliseconds(options.connect_timeout_ms),
                                std::chrono::milliseconds(options.request_timeout_ms)};
  std::set<std::string> seen;
  impl->connections.reserve(options.endpoints.size());
  for (const std::string& url : options.endpoints) {
    Result<EtcdEndpoint> endpoint = parse_etcd_endpoint(url);
    if (!endpoint.ok()) return endpoint.status();
    if (!seen.insert(endpoint->url).second) {
      return Status::invalid_argument(fmt::format("etcd endpoint \"{}\" is given twice", url));
    }
    impl->connections.emplace_back(impl->io, std::move(*endpoint), options.response_bytes_max);
  }
  impl->options = std::move(options);
  return EtcdClient(std::move(impl));
}

EtcdClient::EtcdClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EtcdClient::~EtcdClient() = default;
EtcdClient::EtcdClient(EtcdClient&&) noexcept = default;
EtcdClient& EtcdClient::operator=(EtcdClient&&) noexcept = default;

Result<EtcdPutResult> EtcdClient::put(const EtcdPut& put) {
  return impl_->call(kv_put, etcd_json::put_request(put, impl_->options.request_bytes_max),
                     Resend::only_unsent, &etcd_json::put_answer);
}

Result<EtcdRangeResult> EtcdClient::range(const EtcdRange& range) {
  return impl_->call(kv_range, etcd_json::range_request(range, impl_->options.request_bytes_max),
                     Resend::any_time, &etcd_json::range_answer);
}

Result<EtcdDeleteResult> EtcdClient::delete_range(const EtcdDelete& range) {
  return impl_->call(kv_delete_range,
                     etcd_json::delete_request(range, impl_->options.request_bytes_max),
                     Resend::only_unsent, &etcd_json::delete_answer);
}

Result<EtcdTxnResult> EtcdClient::txn(const EtcdTxn& txn) {
  return impl_->call(kv_txn, etcd_json::txn_request(txn, impl_->options.request_bytes_max),
                     Resend::only_unsent, &etcd_json::txn_answer);
}

Result<EtcdLease> EtcdClient::grant_lease(std::int64_t ttl_seconds) {
  return impl_->call(lease_grant, etcd_json::lease_grant_request(ttl_seconds), Resend::only_unsent,
                     &etcd_json::lease_grant_answer);
}

Result<EtcdLease> EtcdClient::keep_lease_alive_once(std::int64_t lease_id) {
  return impl_->call(lease_keep_alive, etcd_json::lease_id_request(lease_id), Resend::any_time,
                     &etcd_json::lease_keep_alive_answer);
}

Status EtcdClient::revoke_lease(std::int64_t lease_id) {
  return impl_
      ->call(lease_revoke, etcd_json::lease_id_request(lease_id), Resend::any_time,
             &etcd_json::header_answer)
      .status();
}

Result<EtcdMemberStatus> EtcdClient::status() {
  return impl_->call(maintenance_status, Result<std::string>(std::string(no_fields)),
                     Resend::any_time, &etcd_json::status_answer);
}

Result<EtcdMemberStatus> EtcdClient::member_status(std::size_t index) {
  return impl_->call_member(index, maintenance_status, &etcd_json::status_answer);
}

Status EtcdClient::compact(std::int64_t revision) {
  return impl_
      ->call(kv_compaction, etcd_json::compaction_request(revision), Resend::only_unsent,
             &etcd_json::header_answer)
      .status();
}

Status EtcdClient::defragment(std::size_t index) {
  return impl_->call_member(index, maintenance_defragment, &etcd_json::header_answer).status();
}

const std::string& EtcdClient::current_endpoint() const {
  return endpoint(impl_->current);
}

std::size_t EtcdClient::endpoint_count() const {
  return impl_->connections.size();
}

const std::string& EtcdClient::endpoint(std::size_t index) const {
  return impl_->connections.at(index).endpoint().url;
}

}  // namespace loket
