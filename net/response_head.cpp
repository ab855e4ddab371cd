#include "net/response_head.hpp"

#include <array>
#include <boost/beast/http/status.hpp>
#include <charconv>

#include "net/limits.hpp"

namespace loket {
namespace {

constexpr int status_code_max = 599;

// "HTTP/1.1 201 Created\r\nServer: loket\r\n", for every status code.
const std::string& status_line_and_server(int status) {
  static const std::array<std::string, status_code_max + 1> rendered = [] {
    std::array<std::string, status_code_max + 1> lines;
    for (int code = 100; code <= status_code_max; ++code) {
      const auto reason =
          boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(code));
      lines[static_cast<std::size_t>(code)] =
          "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason) +
          "\r\nServer: " + std::string(net_limits::server_header_value) + "\r\n";
    }
    return lines;
  }();
  const int known = status >= 100 && status <= status_code_max ? status : 500;
  return rendered[static_cast<std::size_t>(known)];
}

void append_number(std::string& out, std::uint64_t number) {
  std::array<char, 24> digits{};
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), number).ptr;
  out.append(digits.data(), end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) return;
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

void render_response_head(const Reply& reply, bool keep_alive, std::span<const HeaderField> extra,
                          std::string& out) {
  out.append(status_line_and_server(reply.status));
  append_field(out, "Content-Type",
               reply.problem                ? net_limits::problem_content_type
               : reply.content_type.empty() ? net_limits::json_content_type
                                            : reply.content_type);
  out.append("Content-Length: ");
  append_number(out, reply.body.size());
  out.append("\r\n");
  if (reply.retry_after_seconds > 0) {
    out.append("Retry-After: ");
    append_number(out, static_cast<std::uint64_t>(reply.retry_after_seconds));
    out.append("\r\n");
  }
  if (!reply.location.empty()) append_field(out, "Location", reply.location);
  if (reply.idempotent_replay) append_field(out, net_limits::idempotent_replayed_header, "true");
  if (reply.status == 401) append_field(out, "WWW-Authenticate", net_limits::bearer_challenge);
  for (const auto& [name, value] : extra) append_field(out, name, value);
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
}

}  // namespace loket
