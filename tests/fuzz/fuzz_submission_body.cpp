// libFuzzer: a submission body as the portal sends it. Every input is a request or a
// specific problem; nothing crashes.
#include <cstdint>
#include <string_view>

#include "net/submission_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::uint8_t> key = {'f', 'u', 'z', 'z'};
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)loket::parse_submission_body("t2", body, key, "GEN-1");
  return 0;
}
