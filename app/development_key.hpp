// The participant HMAC key used when none is configured. Decisions do not depend on the key
// (it only has to be the same for every event of a run), so what-if runs may use it; a server
// facing real identifiers must be given its own secret.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace loket {

inline constexpr std::string_view development_participant_key = "loket-development-key-not-secret";

inline std::vector<std::uint8_t> development_key_bytes() {
  return {development_participant_key.begin(), development_participant_key.end()};
}

}  // namespace loket
