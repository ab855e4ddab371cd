// A checkpoint (C2SP tlog-checkpoint): the note text that pins the decision tree at one size,
//   loket/<scheme id>\n<tree size>\n<base64 root hash>\n
// signed as a note (proof/signed_note.hpp) by the server's key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.hpp"
#include "proof/merkle_tree.hpp"
#include "proof/signed_note.hpp"

namespace loket {

struct Checkpoint {
  std::string origin;
  std::uint64_t tree_size = 0;
  MerkleHash root_hash{};

  bool operator==(const Checkpoint&) const = default;
};

// "loket/<scheme id>": whose tree a checkpoint pins.
std::string checkpoint_origin(std::string_view scheme_id);

std::string checkpoint_text(const Checkpoint& checkpoint);
// A root hash as a checkpoint's third line writes it: base64.
std::string root_hash_text(const MerkleHash& root_hash);
// The note text's first three lines (extension lines after them are allowed and ignored);
// invalid_argument saying which line is wrong.
Result<Checkpoint> parse_checkpoint_text(std::string_view text);

// A signed checkpoint opened with `key`: the signature must verify and the text parse.
Result<Checkpoint> open_checkpoint(std::string_view note, const NoteVerifierKey& key);

}  // namespace loket
