// libFuzzer: bytes from a socket, through the HTTP parser with the server's limits, the
// routes and the body readers, to the command a job would carry. Nothing may crash, hang or
// read out of bounds; every failure must be a problem.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>

#include "net/limits.hpp"
#include "net/operator_request.hpp"
#include "net/pipeline.hpp"
#include "net/routes.hpp"
#include "net/submission_request.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(loket::net_limits::body_bytes_max);
  parser.header_limit(static_cast<std::uint32_t>(loket::net_limits::header_bytes_max));
  parser.eager(true);
  boost::beast::error_code error;
  parser.put(boost::asio::buffer(data, size), error);
  if (error || !parser.is_done()) return 0;
  const auto& request = parser.get();
  const auto matched = loket::match_route(std::string_view(request.method_string()),
                                          std::string_view(request.target()));
  const auto* route = std::get_if<loket::RouteMatch>(&matched);
  if (route == nullptr) return 0;
  if (route->endpoint == loket::Endpoint::submit) {
    static const std::vector<std::uint8_t> key = {'f', 'u', 'z', 'z'};
    (void)loket::parse_submission_body(route->tranche_id, request.body(), key, "GEN-1");
  } else if (route->endpoint == loket::Endpoint::close ||
             route->endpoint == loket::Endpoint::close_day ||
             route->endpoint == loket::Endpoint::appeal) {
    (void)loket::read_operator_body(route->endpoint, route->tranche_id, request.body());
  }
  return 0;
}
