// JSON from outside, strictly: valid UTF-8, at most limits::json_depth_max deep, no number
// beyond a double's range, and no object with the same key twice. Boost.JSON keeps the last of
// duplicate keys silently; a client could then show one amount to a validating proxy and another to
// loket.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "base/status.hpp"

namespace loket {

// The value, or an invalid argument: "key \"a\" appears twice" or "not valid JSON: ...".
Result<boost::json::value> parse_strict_json(std::string_view text);

}  // namespace loket
