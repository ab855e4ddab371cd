// libFuzzer: a scheme file. Any text is a scheme or a FILE:LINE: key: problem message.
#include <cstdint>
#include <string_view>

#include "engine/assert.hpp"
#include "parse/scheme_toml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const loket::Result<loket::Scheme> parsed = loket::parse_scheme(text, "fuzz.toml");
  LOKET_ASSERT(parsed.ok() || (parsed.status().code() == loket::StatusCode::invalid_argument &&
                               parsed.status().message().starts_with("fuzz.toml:")));
  return 0;
}
