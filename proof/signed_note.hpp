// Signed notes (C2SP signed-note) with Ed25519 keys, signed and verified by OpenSSL: a text
// ending in a newline, a blank line, then "— NAME base64(key ID || signature)" lines. Keys are
// written as Go's golang.org/x/mod/sumdb/note writes them, so other tools read them:
//   signer key    PRIVATE+KEY+NAME+KEYID+base64(0x01 || 32-byte seed)
//   verifier key  NAME+KEYID+base64(0x01 || 32-byte public key)
// where KEYID is 8 hex digits: the first four bytes of SHA-256(NAME || 0x0A || 0x01 || public
// key), big-endian.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.hpp"

namespace loket {

namespace note_limits {
inline constexpr std::size_t key_name_bytes_max = 256;
inline constexpr std::size_t note_bytes_max = 64 * 1024;
inline constexpr std::size_t signatures_max = 16;  // the spec's minimum to accept
}  // namespace note_limits

using Ed25519PublicKey = std::array<std::uint8_t, 32>;

struct NoteVerifierKey {
  std::string name;
  std::uint32_t key_id = 0;
  Ed25519PublicKey public_key{};
};

// An Ed25519 private key with its note name. Holds the secret: never log or print it except
// through format_signer_key.
struct NoteSignerKey {
  NoteVerifierKey verifier;
  std::array<std::uint8_t, 32> seed{};
};

// A name is 1 to key_name_bytes_max visible ASCII characters other than '+'.
bool is_valid_key_name(std::string_view name);
std::uint32_t note_key_id(std::string_view name, const Ed25519PublicKey& public_key);

// A new key pair from OpenSSL's random generator. Requires a valid name.
NoteSignerKey generate_signer_key(std::string_view name);
std::string format_signer_key(const NoteSignerKey& key);
std::string format_verifier_key(const NoteVerifierKey& key);
// Surrounding whitespace (a key file's newline) is ignored; anything else wrong is an
// invalid_argument saying what.
Result<NoteSignerKey> parse_signer_key(std::string_view text);
Result<NoteVerifierKey> parse_verifier_key(std::string_view text);

// The note: `text` (which must end in a newline and hold no blank line at its end), a blank
// line and the key's signature line.
std::string sign_note(const NoteSignerKey& key, std::string_view text);

// The text of a well-formed note, without checking any signature: for checks that compare the
// text with the journal (the signature needs the verifier key, loket audit --key).
Result<std::string> unverified_note_text(std::string_view note);

// The text of `note` if a signature by `key` verifies over it; invalid_argument if the note is
// malformed, has no signature by that key or a signature by it that fails.
Result<std::string> open_note(std::string_view note, const NoteVerifierKey& key);

}  // namespace loket
