#include "net/request_dispatch.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "engine/assert.hpp"
#include "engine/crypto.hpp"
#include "net/limits.hpp"
#include "net/operator_request.hpp"
#include "net/replies.hpp"
#include "net/server_impl.hpp"

namespace loket {
namespace {

namespace http = boost::beast::http;

// The journaled form of an Idempotency-Key: hashed with the caller's token name (two portals
// may pick the same key), and the request it came with (a reuse for another request is an
// error, not a retry).
std::variant<IdempotencyTag, Problem> idempotency_tag(std::string_view key,
                                                      std::string_view token_name,
                                                      std::string_view request_scope,
                                                      std::string_view body) {
  const bool visible =
      std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (key.empty() || key.size() > net_limits::idempotency_key_bytes_max || !visible) {
    return make_problem(
        400, "invalid-idempotency-key", "The Idempotency-Key is not acceptable",
        fmt::format("1 to {} visible ASCII characters", net_limits::idempotency_key_bytes_max),
        std::string(net_limits::idempotency_key_header));
  }
  const auto hash_of = [](std::string_view first, std::string_view second) {
    std::string message(first);
    message.push_back('\0');
    message.append(second);
    return sha256({reinterpret_cast<const std::uint8_t*>(message.data()), message.size()});
  };
  return IdempotencyTag{hash_of(token_name, key), hash_of(request_scope, body)};
}

// The job of an endpoint the pipeline serves, with its body parsed into a typed request. Every
// endpoint is named, so that a new one cannot fall into another's parser unnoticed.
std::variant<std::unique_ptr<Job>, Problem> typed_job(const RouteMatch& route,
                                                      std::string_view body, Server::Impl& server) {
  switch (route.endpoint) {
    case Endpoint::submit: {
      auto parsed = parse_submission_body(route.tranche_id, body, server.options.participant_key,
                                          server.generated_id());
      if (auto* problem = std::get_if<Problem>(&parsed)) return std::move(*problem);
      return std::make_unique<Job>(std::get<SubmissionRequest>(std::move(parsed)));
    }
    case Endpoint::get_submission:
      return std::make_unique<Job>(ApplicationQuery{route.application_id});
    case Endpoint::get_tranche:
      return std::make_unique<Job>(TrancheQuery{route.tranche_id});
    case Endpoint::checkpoint:
      return std::make_unique<Job>(CheckpointQuery{});
    case Endpoint::get_proof:
      return std::make_unique<Job>(ProofQuery{route.application_id});
    case Endpoint::consistency:
      return std::make_unique<Job>(ConsistencyQuery{route.from_size, route.to_size});
    case Endpoint::close:
    case Endpoint::close_day:
    case Endpoint::appeal: {
      auto parsed = read_operator_body(route.endpoint, route.tranche_id, body);
      if (auto* problem = std::get_if<Problem>(&parsed)) return std::move(*problem);
      return std::make_unique<Job>(std::get<JobRequest>(std::move(parsed)));
    }
    case Endpoint::metrics:
    case Endpoint::healthz:
    case Endpoint::readyz:
    case Endpoint::export_records:
    case Endpoint::cluster:
    case Endpoint::ops_page:
    case Endpoint::ops_stream:
      break;  // answered by the session itself
  }
  LOKET_ASSERT(false);
  return Problem{};
}

}  // namespace

std::variant<AdmittedRequest, Problem> admit_request(const RequestHeader& header, bool has_body,
                                                     Server::Impl& server) {
  auto matched =
      match_route(std::string_view(header.method_string()), std::string_view(header.target()));
  if (auto* problem = std::get_if<Problem>(&matched)) return std::move(*problem);
  AdmittedRequest admitted{std::get<RouteMatch>(std::move(matched)), nullptr};
  // Which of two would count is anybody's guess between a proxy and this server.
  for (const std::string_view name :
       {net_limits::authorization_header, net_limits::content_type_header,
        net_limits::idempotency_key_header}) {
    if (header.count(name) > 1) {
      return make_problem(400, "bad-request", "The request is not valid HTTP/1.1",
                          fmt::format("the {} header appears more than once", name),
                          std::string(name));
    }
  }
  if (needs_token(admitted.route.endpoint)) {
    const auto presented = bearer_token(header[http::field::authorization]);
    admitted.token = presented ? find_token(server.options.tokens, *presented) : nullptr;
    if (admitted.token == nullptr) {
      return make_problem(401, "unauthorized", "A valid bearer token is needed", {},
                          std::string(net_limits::authorization_header));
    }
    if (!role_may(admitted.token->role, admitted.route.endpoint)) {
      return make_problem(
          403, "forbidden", "This token's role may not do this",
          fmt::format("role {} may not call this endpoint", to_string(admitted.token->role)));
    }
    if (auto problem = server.rate_limited(*admitted.token)) return std::move(*problem);
  }
  if (has_body && header.method() == http::verb::post &&
      !is_json_media_type(header[http::field::content_type])) {
    return make_problem(415, "unsupported-media-type", "The body must be application/json", {},
                        std::string(net_limits::content_type_header));
  }
  // Before the body is read: a client that waits for 100 Continue sends it to the leader.
  if (is_journaled(admitted.route.endpoint) && server.pipeline->following()) {
    return not_leader_problem(server.pipeline->leader_url(), header.target());
  }
  return admitted;
}

std::variant<std::unique_ptr<Job>, Problem> job_for_request(const AdmittedRequest& admitted,
                                                            const StringRequest& request,
                                                            TimestampNs received_at,
                                                            Server::Impl& server) {
  const RouteMatch& route = admitted.route;
  auto typed = typed_job(route, request.body(), server);
  if (auto* problem = std::get_if<Problem>(&typed)) return std::move(*problem);
  std::unique_ptr<Job>& job = std::get<std::unique_ptr<Job>>(typed);
  job->received_at = received_at;
  if (is_journaled(route.endpoint) &&
      request.find(net_limits::idempotency_key_header) != request.end()) {
    // A submission's request is its tranche and body (as journaled since keys began); an
    // operator command's also names the endpoint, so that one key cannot mean two commands.
    const std::string scope =
        route.endpoint == Endpoint::submit ? route.tranche_id : std::string(request.target());
    auto tag = idempotency_tag(request[net_limits::idempotency_key_header], admitted.token->name,
                               scope, request.body());
    if (auto* problem = std::get_if<Problem>(&tag)) return std::move(*problem);
    job->idempotency = std::get<IdempotencyTag>(tag);
  }
  return std::move(job);
}

}  // namespace loket
