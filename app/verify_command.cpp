#include "app/verify_command.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>
#include <iterator>

#include "app/file_text.hpp"
#include "engine/crypto.hpp"
#include "parse/strict_json.hpp"
#include "proof/checkpoint.hpp"
#include "proof/merkle_verify.hpp"

namespace loket {
namespace {

namespace json = boost::json;

// Proofs are small: a line, up to 64 hashes and a note.
constexpr std::size_t proof_file_bytes_max = 256 * 1024;
constexpr std::size_t proof_hashes_max = 64;  // a tree of 2^64 leaves is no deeper

struct Proof {
  std::string line;
  std::uint64_t leaf_index = 0;
  std::uint64_t tree_size = 0;
  std::vector<MerkleHash> path;
  std::string checkpoint;
};

Result<Proof> read_proof(const std::string& text) {
  Result<json::value> parsed = parse_strict_json(text);
  if (!parsed.ok()) return parsed.status();
  const json::object* object = parsed->if_object();
  const auto string_of = [&](std::string_view key) -> const json::string* {
    const json::value* value = object ? object->if_contains(key) : nullptr;
    return value ? value->if_string() : nullptr;
  };
  const auto number_of = [&](std::string_view key) -> std::optional<std::uint64_t> {
    const json::value* value = object ? object->if_contains(key) : nullptr;
    if (value == nullptr) return std::nullopt;
    if (value->is_uint64()) return value->as_uint64();
    if (value->is_int64() && value->as_int64() >= 0) return value->as_int64();
    return std::nullopt;
  };
  const json::value* path = object ? object->if_contains("inclusion_proof") : nullptr;
  const auto leaf_index = number_of("leaf_index");
  const auto tree_size = number_of("tree_size");
  if (!string_of("line") || !string_of("checkpoint") || !leaf_index || !tree_size || !path ||
      !path->is_array() || path->as_array().size() > proof_hashes_max) {
    return Status::invalid_argument(
        "expected the JSON of GET /v1/submissions/{id}/proof: line, leaf_index, tree_size, "
        "inclusion_proof (at most 64 hex hashes) and checkpoint");
  }
  Proof proof{std::string(*string_of("line")),
              *leaf_index,
              *tree_size,
              {},
              std::string(*string_of("checkpoint"))};
  for (const json::value& hash : path->as_array()) {
    const auto bytes = hash.is_string() ? from_hex(hash.as_string()) : std::nullopt;
    if (!bytes || bytes->size() != MerkleHash{}.size()) {
      return Status::invalid_argument("inclusion_proof: each element must be 64 hex digits");
    }
    proof.path.emplace_back();
    std::copy(bytes->begin(), bytes->end(), proof.path.back().begin());
  }
  return proof;
}

Result<std::string> read_input(const std::string& path) {
  if (path != "-") return read_file_text(path, proof_file_bytes_max);
  std::string text(std::istreambuf_iterator<char>(std::cin), {});
  if (text.size() > proof_file_bytes_max) return Status::invalid_argument("-: too large");
  return text;
}

Result<NoteVerifierKey> read_key(const std::string& key_or_path) {
  if (key_or_path.find('+') != std::string::npos) return parse_verifier_key(key_or_path);
  const Result<std::string> file = read_file_text(key_or_path, note_limits::note_bytes_max);
  if (!file.ok()) return file.status();
  return parse_verifier_key(*file);
}

}  // namespace

int run_verify(const VerifyOptions& options, std::FILE* out, std::FILE* err) {
  Result<NoteVerifierKey> key = read_key(options.verifier_key);
  if (!key.ok()) {
    fmt::print(err, "loket verify: --key: {}\n", key.status().message());
    return 2;
  }
  const Result<std::string> text = read_input(options.proof_path);
  Result<Proof> proof = text.ok() ? read_proof(*text) : Result<Proof>(text.status());
  if (!proof.ok()) {
    fmt::print(err, "loket verify: {}: {}\n", options.proof_path, proof.status().message());
    return 2;
  }
  const Result<Checkpoint> checkpoint = open_checkpoint(proof->checkpoint, *key);
  if (!checkpoint.ok()) {
    fmt::print(err, "loket verify: the checkpoint: {}\n", checkpoint.status().message());
    return 1;
  }
  if (checkpoint->tree_size != proof->tree_size ||
      !verify_inclusion(merkle_leaf_hash(proof->line), proof->leaf_index, proof->tree_size,
                        proof->path, checkpoint->root_hash)) {
    fmt::print(err,
               "loket verify: the decision is not leaf {} of the {} decisions the checkpoint "
               "pins: the proof, the line or the index was altered\n",
               proof->leaf_index, checkpoint->tree_size);
    return 1;
  }
  fmt::print(out,
             "loket verify: the decision is leaf {} of the {} decisions of {}, as signed by {}:\n"
             "  {}\n",
             proof->leaf_index, checkpoint->tree_size, checkpoint->origin, key->name, proof->line);
  return 0;
}

}  // namespace loket
