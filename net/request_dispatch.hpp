// From a parsed request to a pipeline job or a problem, in two steps: what the header alone
// decides (admit_request, so that a client waiting for 100 Continue is refused before it
// sends its body), then what the body decides (job_for_request). Neither touches a socket.
// Internal to net/; the session calls them.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <variant>

#include "net/http_framing.hpp"
#include "net/pipeline.hpp"
#include "net/routes.hpp"
#include "net/server.hpp"

namespace loket {

using StringRequest = boost::beast::http::request<boost::beast::http::string_body, RequestFields>;

struct AdmittedRequest {
  RouteMatch route;
  const TokenEntry* token = nullptr;  // for the endpoints that need one
};

// The route, the token, its role and rate, the media type; the first problem found, in that
// order. Counts the request against its token's rate.
std::variant<AdmittedRequest, Problem> admit_request(const RequestHeader& header, bool has_body,
                                                     Server::Impl& server);

// The job for a journaled command or a query: its body parsed and its Idempotency-Key
// hashed. `complete` is left for the caller to set.
std::variant<std::unique_ptr<Job>, Problem> job_for_request(const AdmittedRequest& admitted,
                                                            const StringRequest& request,
                                                            TimestampNs received_at,
                                                            Server::Impl& server);

}  // namespace loket
