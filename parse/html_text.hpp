// Text for an HTML page: the characters that would end an element or an attribute value,
// as entities. For the pages loket writes (the report, the load test's report).
#pragma once

#include <string>
#include <string_view>

namespace loket {

std::string html_escaped(std::string_view text);

}  // namespace loket
