// Signed notes and checkpoints: Go's published sumdb/note example verifies here (so notes
// signed by loket are notes other tools read), keys round-trip, and every damage to a key,
// a note or a checkpoint is refused with a reason, at each limit -1, at and +1.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>

#include "proof/checkpoint.hpp"
#include "proof/signed_note.hpp"

namespace loket {
namespace {

constexpr std::string_view go_verifier_key =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view go_signer_key =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view go_text =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view go_signature_line =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

std::string go_note() {
  return std::string(go_text) + "\n" + std::string(go_signature_line);
}

}  // namespace

TEST_CASE("signed note: Go's sumdb/note example, both ways", "[unit][proof]") {
  const auto verifier = parse_verifier_key(go_verifier_key);
  REQUIRE(verifier.ok());
  CHECK(verifier->key_id == 0xc74f20a3);
  CHECK(format_verifier_key(*verifier) == go_verifier_key);
  const auto signer = parse_signer_key(std::string(go_signer_key) + "\n");
  REQUIRE(signer.ok());
  CHECK(format_signer_key(*signer) == go_signer_key);
  CHECK(signer->verifier.public_key == verifier->public_key);
  // Ed25519 is deterministic: loket signs Go's text to Go's bytes.
  CHECK(sign_note(*signer, go_text) == go_note());
  const auto opened = open_note(go_note(), *verifier);
  REQUIRE(opened.ok());
  CHECK(*opened == go_text);
}

TEST_CASE("signed note: altered, forged and foreign notes are refused", "[unit][proof]") {
  const auto verifier = parse_verifier_key(go_verifier_key);
  REQUIRE(verifier.ok());
  std::string altered = go_note();
  altered[3] = 'X';
  CHECK_FALSE(open_note(altered, *verifier).ok());
  const NoteSignerKey other = generate_signer_key("PeterNeumann");
  // Same name, another key: its signature is not this key's, so the note is unsigned for it.
  const auto foreign = open_note(sign_note(other, go_text), *verifier);
  REQUIRE_FALSE(foreign.ok());
  CHECK_THAT(foreign.status().message(), Catch::Contains("no signature by PeterNeumann"));
  // A forged signature under the right name and key ID fails outright.
  NoteSignerKey forger = other;
  forger.verifier.key_id = verifier->key_id;
  const auto forged = open_note(sign_note(forger, go_text), *verifier);
  REQUIRE_FALSE(forged.ok());
  CHECK_THAT(forged.status().message(), Catch::Contains("does not verify"));
  // A second, foreign signature beside a good one is ignored.
  const std::string two = sign_note(other, go_text) + std::string(go_signature_line);
  CHECK(open_note(two, *verifier).ok());
  CHECK_FALSE(open_note(std::string(go_text), *verifier).ok());
  CHECK_FALSE(open_note(go_note().substr(0, go_note().size() - 1), *verifier).ok());
  CHECK_FALSE(open_note("", *verifier).ok());
  std::string control = go_note();
  control[5] = '\r';
  CHECK_FALSE(open_note(control, *verifier).ok());
}

TEST_CASE("signed note: the limits on signatures, note size and key names", "[unit][proof]") {
  const auto verifier = parse_verifier_key(go_verifier_key);
  REQUIRE(verifier.ok());
  const std::string foreign_line =
      sign_note(generate_signer_key("someone.else"), go_text).substr(go_text.size() + 1);
  std::string fifteen_and_go = go_note();
  for (int count = 0; count < 15; ++count) fifteen_and_go += foreign_line;
  CHECK(open_note(fifteen_and_go, *verifier).ok());                       // 16 signatures
  CHECK_FALSE(open_note(fifteen_and_go + foreign_line, *verifier).ok());  // 17
  std::string long_text(note_limits::note_bytes_max - go_signature_line.size() - 2, 'a');
  long_text += '\n';
  const NoteSignerKey key = generate_signer_key("PeterNeumann");
  std::string at_limit = sign_note(key, long_text);
  CHECK(at_limit.size() <= note_limits::note_bytes_max + 8);
  CHECK_FALSE(open_note(std::string(note_limits::note_bytes_max + 1, 'a'), *verifier).ok());
  CHECK(is_valid_key_name(std::string(note_limits::key_name_bytes_max, 'n')));
  CHECK_FALSE(is_valid_key_name(std::string(note_limits::key_name_bytes_max + 1, 'n')));
  CHECK_FALSE(is_valid_key_name(""));
  CHECK_FALSE(is_valid_key_name("a+b"));
  CHECK_FALSE(is_valid_key_name("a b"));
  CHECK_FALSE(is_valid_key_name("caf\xC3\xA9"));
}

TEST_CASE("signed note: damaged keys are refused with the reason", "[unit][proof]") {
  const std::string key(go_verifier_key);
  CHECK_FALSE(parse_verifier_key("").ok());
  CHECK_FALSE(parse_verifier_key("PeterNeumann").ok());
  CHECK_FALSE(
      parse_verifier_key("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
          .ok());  // the key ID of another key
  CHECK_FALSE(
      parse_verifier_key("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
          .ok());  // seven hex digits
  CHECK_FALSE(
      parse_verifier_key("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T")
          .ok());  // not base64
  CHECK_FALSE(
      parse_verifier_key("PeterNeumann+c74f20a3+Apc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
          .ok());  // another type byte
  CHECK_FALSE(parse_signer_key(go_verifier_key).ok());
  CHECK_FALSE(parse_verifier_key(go_signer_key).ok());
  const auto mixed_case = parse_verifier_key(" " + key + "\r\n");
  CHECK(mixed_case.ok());
  const NoteSignerKey made = generate_signer_key("loket.example/dev");
  const auto back = parse_signer_key(format_signer_key(made));
  REQUIRE(back.ok());
  CHECK(back->seed == made.seed);
  CHECK(back->verifier.key_id == made.verifier.key_id);
}

TEST_CASE("checkpoint: text, limits and a signed round trip", "[unit][proof]") {
  Checkpoint checkpoint{checkpoint_origin("nl-leert-door"), 55000, {}};
  checkpoint.root_hash[0] = 0xab;
  const std::string text = checkpoint_text(checkpoint);
  CHECK(text.starts_with("loket/nl-leert-door\n55000\nqw"));
  const auto parsed = parse_checkpoint_text(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == checkpoint);
  CHECK(parse_checkpoint_text(text + "extension line\n").ok());
  CHECK_FALSE(parse_checkpoint_text(text + "\n").ok());
  CHECK_FALSE(parse_checkpoint_text(text.substr(0, text.size() - 1)).ok());
  const std::string root = text.substr(text.rfind('\n', text.size() - 2) + 1);
  const auto with_size = [&](std::string_view size) {
    return parse_checkpoint_text(fmt::format("loket/x\n{}\n{}", size, root));
  };
  CHECK(with_size("0").ok());
  CHECK(with_size("18446744073709551615").ok());
  CHECK_FALSE(with_size("18446744073709551616").ok());
  CHECK_FALSE(with_size("01").ok());
  CHECK_FALSE(with_size("-1").ok());
  CHECK_FALSE(with_size("+1").ok());
  CHECK_FALSE(with_size("").ok());
  CHECK_FALSE(parse_checkpoint_text("loket/x\n1\nAAAA\n").ok());  // 3 bytes, not 32
  CHECK_FALSE(parse_checkpoint_text("\n1\n" + root).ok());
  const NoteSignerKey key = generate_signer_key("loket.example/test");
  const auto opened = open_checkpoint(sign_note(key, text), key.verifier);
  REQUIRE(opened.ok());
  CHECK(*opened == checkpoint);
}

}  // namespace loket
