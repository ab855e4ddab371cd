// The participant HMAC key used when none is configured. Decisions do not depend on the key
// (it only has to be the same for every event of a run), so what-if runs may use it; a server
// facing real identifiers must be given its own secret.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace loket {

inline constexpr std::string_view development_participant_key = "loket-development-key-not-secret";

// The key the server signs checkpoints with when none is configured (loopback only, like the
// development tokens): anyone can sign with it, so its checkpoints prove nothing.
inline constexpr std::string_view development_checkpoint_key =
    "PRIVATE+KEY+loket.invalid/development-not-secret+0bd8b990+"
    "AVZzf3AlUGUGmCkqPZhELoiL9x/sOVW3DzGRHB+bwE/7";
inline constexpr std::string_view development_checkpoint_verifier_key =
    "loket.invalid/development-not-secret+0bd8b990+AVRb7IAJ2oirW+v2wqaXIcAF33HW8ialTX4I2Fa7afaI";

inline std::vector<std::uint8_t> development_key_bytes() {
  return {development_participant_key.begin(), development_participant_key.end()};
}

}  // namespace loket
