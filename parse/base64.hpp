// Base64 (RFC 4648, the standard alphabet with padding): how etcd's JSON gateway carries keys
// and values (protobuf `bytes` in the JSON mapping), and how signed notes carry hashes and
// signatures (proof/).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace loket {

// Four characters for every three bytes, the last group padded: what a value of `raw_bytes`
// costs in a gateway request.
constexpr std::size_t base64_encoded_bytes(std::size_t raw_bytes) {
  return (raw_bytes + 2) / 3 * 4;
}

std::string base64_encode(std::string_view bytes);

// Nothing unless `text` is canonical base64: a multiple of four characters from the standard
// alphabet, padding only at the end, and no stray bits in the last group (what an encoder
// writes, so anything else is damage).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace loket
