// What RFC 9112 and RFC 9110 ask of a server before it reads a request's body, as pure
// functions of the header (testable without a socket). A request whose body length two
// parties could read differently (request smuggling) is refused with 400 and its connection
// closed; nothing after its header is read as a request.
#pragma once

#include <boost/beast/http/message.hpp>
#include <optional>
#include <string_view>

#include "net/field_pool.hpp"
#include "net/problem.hpp"

namespace loket {

using RequestHeader = boost::beast::http::request_header<RequestFields>;

// Nothing when the body may be read as the header frames it; otherwise the problem:
// - Transfer-Encoding other than one field that is exactly `chunked` (400);
// - Transfer-Encoding with Content-Length, or on HTTP/1.0 (400);
// - an Expect other than `100-continue` (417).
// Beast itself refuses Content-Length values that disagree and a chunked body with a
// Content-Length before this is asked.
std::optional<Problem> framing_problem(const RequestHeader& header);

// True when an HTTP/1.1 client waits for `100 Continue` before sending its body.
bool expects_continue(const RequestHeader& header);

// True when a field line of the raw header block (everything before its blank line) is
// continued on the next line by a space or tab (obs-fold), which RFC 9112 lets a server
// refuse; Beast would silently join the lines.
bool has_obsolete_line_folding(std::string_view header_block);

// True for application/json in any letter case, with parameters; a charset parameter must
// be utf-8 (JSON is UTF-8).
bool is_json_media_type(std::string_view content_type);

}  // namespace loket
