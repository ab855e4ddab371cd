#include "net/http_framing.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include "net/limits.hpp"

namespace loket {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

std::string_view trimmed(std::string_view text) {
  constexpr std::string_view blanks = " \t";
  const std::size_t first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

bool same_text(std::string_view left, std::string_view right) {
  return beast::iequals(left, right);
}

Problem bad_framing(std::string detail, std::string field) {
  return make_problem(400, "bad-request", "The request is not valid HTTP/1.1", std::move(detail),
                      std::move(field));
}

}  // namespace

std::optional<Problem> framing_problem(const RequestHeader& header) {
  const auto encodings = header.equal_range(http::field::transfer_encoding);
  if (encodings.first != encodings.second) {
    if (header.version() < 11) {
      return bad_framing("Transfer-Encoding is not allowed in HTTP/1.0", "Transfer-Encoding");
    }
    if (header.count(http::field::content_length) > 0) {
      return bad_framing("Transfer-Encoding and Content-Length together", "Transfer-Encoding");
    }
    if (std::next(encodings.first) != encodings.second ||
        !same_text(trimmed(encodings.first->value()), "chunked")) {
      return bad_framing("the only transfer coding accepted is chunked, alone",
                         "Transfer-Encoding");
    }
  }
  const auto expect = header.find(http::field::expect);
  if (expect != header.end() && !same_text(trimmed(expect->value()), "100-continue")) {
    return make_problem(417, "expectation-failed", "The expectation cannot be met",
                        "only 100-continue is understood", "Expect");
  }
  return std::nullopt;
}

bool expects_continue(const RequestHeader& header) {
  const auto expect = header.find(http::field::expect);
  return header.version() >= 11 && expect != header.end() &&
         same_text(trimmed(expect->value()), "100-continue");
}

bool has_obsolete_line_folding(std::string_view header_block) {
  for (std::size_t at = header_block.find("\r\n"); at != std::string_view::npos;
       at = header_block.find("\r\n", at + 2)) {
    if (at + 2 < header_block.size() &&
        (header_block[at + 2] == ' ' || header_block[at + 2] == '\t')) {
      return true;
    }
  }
  return false;
}

bool is_json_media_type(std::string_view content_type) {
  const std::size_t semicolon = content_type.find(';');
  if (!same_text(trimmed(content_type.substr(0, semicolon)), net_limits::json_content_type))
    return false;
  std::string_view parameters =
      semicolon == std::string_view::npos ? std::string_view{} : content_type.substr(semicolon);
  while (!parameters.empty()) {
    parameters.remove_prefix(1);  // the ';'
    const std::size_t next = parameters.find(';');
    const std::string_view parameter = trimmed(parameters.substr(0, next));
    parameters = next == std::string_view::npos ? std::string_view{} : parameters.substr(next);
    const std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos) continue;
    if (!same_text(trimmed(parameter.substr(0, equals)), "charset")) continue;
    std::string_view charset = trimmed(parameter.substr(equals + 1));
    if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"') {
      charset = charset.substr(1, charset.size() - 2);
    }
    if (!same_text(charset, "utf-8")) return false;
  }
  return true;
}

}  // namespace loket
