#include "proof/signed_note.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include "engine/assert.hpp"
#include "engine/crypto.hpp"
#include "parse/base64.hpp"
#include "proof/ed25519.hpp"

namespace loket {
namespace {

constexpr std::uint8_t ed25519_signature_type = 0x01;
constexpr std::string_view private_key_prefix = "PRIVATE+KEY+";
constexpr std::string_view signature_line_prefix = "\xE2\x80\x94 ";  // em dash, space

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// The type byte and 32 key bytes of a key's last field.
std::optional<std::array<std::uint8_t, 32>> key_bytes(std::string_view base64_text) {
  const auto decoded = base64_decode(base64_text);
  if (!decoded || decoded->size() != 33 ||
      static_cast<std::uint8_t>((*decoded)[0]) != ed25519_signature_type) {
    return std::nullopt;
  }
  std::array<std::uint8_t, 32> bytes{};
  std::copy(decoded->begin() + 1, decoded->end(), bytes.begin());
  return bytes;
}

std::string key_field(std::span<const std::uint8_t> key) {
  std::string raw(1, static_cast<char>(ed25519_signature_type));
  raw.append(reinterpret_cast<const char*>(key.data()), key.size());
  return base64_encode(raw);
}

// NAME+KEYID+KEY, the part both key forms share.
Result<NoteVerifierKey> parse_key_fields(std::string_view text, std::array<std::uint8_t, 32>& key,
                                         std::string_view what) {
  const std::size_t first_plus = text.find('+');
  const std::size_t second_plus = text.find('+', first_plus + 1);
  if (first_plus == std::string_view::npos || second_plus == std::string_view::npos) {
    return Status::invalid_argument(fmt::format("{}: expected NAME+KEYID+KEY", what));
  }
  NoteVerifierKey verifier;
  verifier.name = std::string(text.substr(0, first_plus));
  if (!is_valid_key_name(verifier.name)) {
    return Status::invalid_argument(
        fmt::format("{}: the name must be 1 to {} visible ASCII characters other than '+'", what,
                    note_limits::key_name_bytes_max));
  }
  const std::string_view id_text = text.substr(first_plus + 1, second_plus - first_plus - 1);
  const auto id_parsed =
      std::from_chars(id_text.data(), id_text.data() + id_text.size(), verifier.key_id, 16);
  if (id_text.size() != 8 || id_parsed.ec != std::errc{} ||
      id_parsed.ptr != id_text.data() + id_text.size()) {
    return Status::invalid_argument(fmt::format("{}: the key ID must be 8 hex digits", what));
  }
  const auto bytes = key_bytes(text.substr(second_plus + 1));
  if (!bytes) {
    return Status::invalid_argument(
        fmt::format("{}: the key must be base64 of 0x01 and 32 Ed25519 key bytes", what));
  }
  key = *bytes;
  return verifier;
}

struct SignatureLine {
  std::string_view name;
  std::uint32_t key_id = 0;
  std::string signature;  // without the key ID
};

std::optional<SignatureLine> parse_signature_line(std::string_view line) {
  if (!line.starts_with(signature_line_prefix)) return std::nullopt;
  line.remove_prefix(signature_line_prefix.size());
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  auto decoded = base64_decode(line.substr(space + 1));
  if (!decoded || decoded->size() < 4) return std::nullopt;
  SignatureLine parsed;
  parsed.name = line.substr(0, space);
  for (std::size_t index = 0; index < 4; ++index) {
    parsed.key_id = (parsed.key_id << 8) | static_cast<std::uint8_t>((*decoded)[index]);
  }
  parsed.signature = decoded->substr(4);
  return parsed;
}

Status malformed(std::string_view why) {
  return Status::invalid_argument(fmt::format("not a signed note: {}", why));
}

}  // namespace

bool is_valid_key_name(std::string_view name) {
  return !name.empty() && name.size() <= note_limits::key_name_bytes_max &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return c > ' ' && c < 0x7f && c != '+'; });
}

std::uint32_t note_key_id(std::string_view name, const Ed25519PublicKey& public_key) {
  const std::uint8_t separator[] = {'\n', ed25519_signature_type};
  const Sha256Digest digest = sha256_of_parts({bytes_of(name), separator, public_key});
  return (std::uint32_t{digest[0]} << 24) | (std::uint32_t{digest[1]} << 16) |
         (std::uint32_t{digest[2]} << 8) | std::uint32_t{digest[3]};
}

NoteSignerKey generate_signer_key(std::string_view name) {
  LOKET_ASSERT(is_valid_key_name(name));
  NoteSignerKey key;
  key.seed = ed25519::random_seed();
  key.verifier.name = std::string(name);
  key.verifier.public_key = ed25519::public_key_of(key.seed);
  key.verifier.key_id = note_key_id(name, key.verifier.public_key);
  return key;
}

std::string format_verifier_key(const NoteVerifierKey& key) {
  return fmt::format("{}+{:08x}+{}", key.name, key.key_id, key_field(key.public_key));
}

std::string format_signer_key(const NoteSignerKey& key) {
  return fmt::format("{}{}+{:08x}+{}", private_key_prefix, key.verifier.name, key.verifier.key_id,
                     key_field(key.seed));
}

Result<NoteVerifierKey> parse_verifier_key(std::string_view text) {
  NoteVerifierKey verifier;
  auto parsed = parse_key_fields(trim(text), verifier.public_key, "verifier key");
  if (!parsed.ok()) return parsed.status();
  parsed->public_key = verifier.public_key;
  if (note_key_id(parsed->name, parsed->public_key) != parsed->key_id) {
    return Status::invalid_argument("verifier key: the key ID does not match the name and key");
  }
  return parsed;
}

Result<NoteSignerKey> parse_signer_key(std::string_view text) {
  text = trim(text);
  if (!text.starts_with(private_key_prefix)) {
    return Status::invalid_argument("signing key: expected PRIVATE+KEY+NAME+KEYID+KEY");
  }
  NoteSignerKey key;
  auto parsed = parse_key_fields(text.substr(private_key_prefix.size()), key.seed, "signing key");
  if (!parsed.ok()) return parsed.status();
  key.verifier = std::move(*parsed);
  key.verifier.public_key = ed25519::public_key_of(key.seed);
  if (note_key_id(key.verifier.name, key.verifier.public_key) != key.verifier.key_id) {
    return Status::invalid_argument("signing key: the key ID does not match the name and key");
  }
  return key;
}

std::string sign_note(const NoteSignerKey& key, std::string_view text) {
  LOKET_ASSERT(text.ends_with('\n') && !text.ends_with("\n\n"));
  const auto signature = ed25519::sign(key.seed, bytes_of(text));
  std::string raw(4, '\0');
  for (std::size_t index = 0; index < 4; ++index) {
    raw[index] = static_cast<char>((key.verifier.key_id >> (24 - 8 * index)) & 0xff);
  }
  raw.append(reinterpret_cast<const char*>(signature.data()), signature.size());
  return fmt::format("{}\n{}{} {}\n", text, signature_line_prefix, key.verifier.name,
                     base64_encode(raw));
}

namespace {

struct SplitNote {
  std::string_view text;
  std::vector<SignatureLine> signatures;
};

Result<SplitNote> split_note(std::string_view note) {
  if (note.size() > note_limits::note_bytes_max) return malformed("longer than 64 KiB");
  if (std::any_of(note.begin(), note.end(), [](char c) {
        return (static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f;
      })) {
    return malformed("it holds a control character");
  }
  const std::size_t blank = note.rfind("\n\n");
  if (blank == std::string_view::npos || !note.ends_with('\n')) {
    return malformed("no blank line before the signatures, or no final newline");
  }
  SplitNote split;
  split.text = note.substr(0, blank + 1);
  for (std::string_view rest = note.substr(blank + 2); !rest.empty();) {
    if (split.signatures.size() == note_limits::signatures_max) {
      return malformed("more than 16 signatures");
    }
    const std::size_t end = rest.find('\n');
    auto line = parse_signature_line(rest.substr(0, end));
    rest.remove_prefix(end + 1);
    if (!line) return malformed("a signature line is not \"— NAME BASE64\"");
    split.signatures.push_back(std::move(*line));
  }
  if (split.signatures.empty()) return malformed("no signature");
  return split;
}

}  // namespace

Result<std::string> unverified_note_text(std::string_view note) {
  Result<SplitNote> split = split_note(note);
  if (!split.ok()) return split.status();
  return std::string(split->text);
}

Result<std::string> open_note(std::string_view note, const NoteVerifierKey& key) {
  Result<SplitNote> split = split_note(note);
  if (!split.ok()) return split.status();
  bool verified = false;
  for (const SignatureLine& line : split->signatures) {
    if (line.name != key.name || line.key_id != key.key_id) continue;  // another key's
    if (!ed25519::verify(key.public_key, bytes_of(split->text), bytes_of(line.signature))) {
      return Status::invalid_argument(fmt::format(
          "the signature by {} does not verify: the note was altered or forged", key.name));
    }
    verified = true;
  }
  if (!verified) {
    return Status::invalid_argument(
        fmt::format("the note carries no signature by {} (key ID {:08x})", key.name, key.key_id));
  }
  return std::string(split->text);
}

}  // namespace loket
