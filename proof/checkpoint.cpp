#include "proof/checkpoint.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "parse/base64.hpp"

namespace loket {
namespace {

// The next line of `text` without its newline; nothing if there is no complete line.
std::optional<std::string_view> take_line(std::string_view& text) {
  const std::size_t end = text.find('\n');
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view line = text.substr(0, end);
  text.remove_prefix(end + 1);
  return line;
}

Status bad_line(int line, std::string_view why) {
  return Status::invalid_argument(fmt::format("checkpoint line {}: {}", line, why));
}

}  // namespace

std::string checkpoint_origin(std::string_view scheme_id) {
  return fmt::format("loket/{}", scheme_id);
}

std::string root_hash_text(const MerkleHash& root_hash) {
  return base64_encode({reinterpret_cast<const char*>(root_hash.data()), root_hash.size()});
}

std::string checkpoint_text(const Checkpoint& checkpoint) {
  return fmt::format("{}\n{}\n{}\n", checkpoint.origin, checkpoint.tree_size,
                     root_hash_text(checkpoint.root_hash));
}

Result<Checkpoint> parse_checkpoint_text(std::string_view text) {
  Checkpoint checkpoint;
  const auto origin = take_line(text);
  if (!origin || origin->empty()) return bad_line(1, "expected the origin");
  checkpoint.origin = std::string(*origin);
  const auto size = take_line(text);
  const auto parsed =
      size ? std::from_chars(size->data(), size->data() + size->size(), checkpoint.tree_size)
           : std::from_chars_result{};
  // Decimal digits only, without a leading zero (but "0"), within 64 bits.
  if (!size || size->empty() || parsed.ec != std::errc{} ||
      parsed.ptr != size->data() + size->size() || (size->size() > 1 && size->front() == '0') ||
      !std::all_of(size->begin(), size->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad_line(2, "expected the tree size in decimal, at most 18446744073709551615");
  }
  const auto root = take_line(text);
  const auto root_bytes = root ? base64_decode(*root) : std::nullopt;
  if (!root_bytes || root_bytes->size() != checkpoint.root_hash.size()) {
    return bad_line(3, "expected the root hash: base64 of 32 bytes");
  }
  std::copy(root_bytes->begin(), root_bytes->end(), checkpoint.root_hash.begin());
  for (int line = 4; !text.empty(); ++line) {
    const auto extension = take_line(text);
    if (!extension || extension->empty()) return bad_line(line, "an extension line is empty");
  }
  return checkpoint;
}

Result<Checkpoint> open_checkpoint(std::string_view note, const NoteVerifierKey& key) {
  Result<std::string> text = open_note(note, key);
  if (!text.ok()) return text.status();
  return parse_checkpoint_text(*text);
}

}  // namespace loket
