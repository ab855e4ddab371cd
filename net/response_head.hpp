// A reply's status line and header fields, rendered straight into a buffer the connection
// keeps, so that once the buffer has grown a reply allocates nothing for its head; the head
// and the body then go out together in one writev. The status line and the Server field,
// the same for every reply with that status, are rendered once per process. Internal to net/.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "net/replies.hpp"

namespace loket {

using HeaderField = std::pair<std::string_view, std::string>;  // name, value

// Appends the head of `reply` to `out`, through the blank line. Content-Length is the
// body's, also for HEAD (whose body is then not sent). `extra` comes last; a field whose
// value holds CR or LF is left out rather than split a header.
void render_response_head(const Reply& reply, bool keep_alive, std::span<const HeaderField> extra,
                          std::string& out);

}  // namespace loket
