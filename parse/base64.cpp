#include "parse/base64.hpp"

#include <array>
#include <cstdint>

namespace loket {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t not_base64 = 0xff;

constexpr std::array<std::uint8_t, 256> make_decoding_table() {
  std::array<std::uint8_t, 256> table{};
  for (std::uint8_t& entry : table) entry = not_base64;
  for (std::size_t index = 0; index < alphabet.size(); ++index) {
    table[static_cast<unsigned char>(alphabet[index])] = static_cast<std::uint8_t>(index);
  }
  return table;
}
constexpr std::array<std::uint8_t, 256> decoding_table = make_decoding_table();

std::uint32_t byte_at(std::string_view bytes, std::size_t index) {
  return index < bytes.size() ? static_cast<unsigned char>(bytes[index]) : 0U;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string text;
  text.reserve(base64_encoded_bytes(bytes.size()));
  for (std::size_t at = 0; at < bytes.size(); at += 3) {
    const std::uint32_t group =
        (byte_at(bytes, at) << 16) | (byte_at(bytes, at + 1) << 8) | byte_at(bytes, at + 2);
    const std::size_t present = bytes.size() - at;  // 1, 2, or 3 and more
    text.push_back(alphabet[(group >> 18) & 0x3f]);
    text.push_back(alphabet[(group >> 12) & 0x3f]);
    text.push_back(present > 1 ? alphabet[(group >> 6) & 0x3f] : '=');
    text.push_back(present > 2 ? alphabet[group & 0x3f] : '=');
  }
  return text;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (std::size_t at = 0; at < text.size(); at += 4) {
    const bool last_group = at + 4 == text.size();
    const std::size_t digits = last_group ? 4 - padding : 4;
    std::uint32_t group = 0;
    for (std::size_t index = 0; index < 4; ++index) {
      std::uint8_t sextet = 0;
      if (index < digits) {
        sextet = decoding_table[static_cast<unsigned char>(text[at + index])];
        if (sextet == not_base64) return std::nullopt;
      }
      group = (group << 6) | sextet;
    }
    // A padded group's unused low bits are zero in canonical base64.
    if (digits == 2 && (group & 0xffff) != 0) return std::nullopt;
    if (digits == 3 && (group & 0xff) != 0) return std::nullopt;
    bytes.push_back(static_cast<char>((group >> 16) & 0xff));
    if (digits > 2) bytes.push_back(static_cast<char>((group >> 8) & 0xff));
    if (digits > 3) bytes.push_back(static_cast<char>(group & 0xff));
  }
  return bytes;
}

}  // namespace loket
