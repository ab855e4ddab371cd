// JSON from outside, strictly: valid UTF-8, at most limits::json_depth_max deep, and no
// object with the same key twice. Boost.JSON keeps the last of duplicate keys silently; a
// client could then show one amount to a validating proxy and another to loket.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace loket {

struct StrictJson {
  std::optional<boost::json::value> value;
  std::string error;  // when value is empty
};

StrictJson parse_strict_json(std::string_view text);

}  // namespace loket
