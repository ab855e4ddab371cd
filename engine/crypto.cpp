#include "engine/crypto.hpp"

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "engine/assert.hpp"

namespace loket {

Sha256Digest sha256(std::span<const std::uint8_t> bytes) {
  Sha256Digest digest{};
  SHA256(bytes.data(), bytes.size(), digest.data());
  return digest;
}

Sha256Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message) {
  LOKET_ASSERT(!key.empty());
  Sha256Digest digest{};
  unsigned int length = 0;
  const auto* result = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(),
                            message.size(), digest.data(), &length);
  LOKET_ASSERT(result != nullptr);
  LOKET_ASSERT(length == digest.size());
  return digest;
}

ParticipantKey participant_key(std::span<const std::uint8_t> secret_key,
                               std::string_view participant_identifier) {
  return hmac_sha256(secret_key,
                     {reinterpret_cast<const std::uint8_t*>(participant_identifier.data()),
                      participant_identifier.size()});
}

void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
  constexpr char digits[] = "0123456789abcdef";
  const std::size_t start = out.size();
  out.resize(start + bytes.size() * 2);
  for (std::size_t index = 0; index < bytes.size(); ++index) {
    out[start + 2 * index] = digits[bytes[index] >> 4];
    out[start + 2 * index + 1] = digits[bytes[index] & 0x0f];
  }
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string text;
  append_hex(text, bytes);
  return text;
}

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  const auto nibble = [](char digit) -> int {
    if (digit >= '0' && digit <= '9') return digit - '0';
    if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
    if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> bytes(text.size() / 2);
  for (std::size_t index = 0; index < bytes.size(); ++index) {
    const int high = nibble(text[2 * index]);
    const int low = nibble(text[2 * index + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes[index] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return bytes;
}

}  // namespace loket
