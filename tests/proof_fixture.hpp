// What the tests of signed checkpoints and proofs against a real server share.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "proof/checkpoint.hpp"

namespace loket::testing {

// A proof's hashes, hex in JSON as the server gives them; each must be 32 bytes.
std::vector<MerkleHash> hashes_of(const boost::json::array& hex_hashes);

// The server's checkpoint (GET /v1/checkpoint) once it pins `decisions` decisions, its
// signature verified by `key`.
std::string checkpoint_at(unsigned short port, std::uint64_t decisions, const NoteVerifierKey& key);

// Each (application id, leaf index) pair's proof from the server
// (GET /v1/submissions/{id}/proof): the line at its leaf in `lines` (the decisions export),
// and a path that leads to `checkpoint`'s root by the RFC written again in the tests
// (tests/merkle_reference.hpp). Returns the last proof's body.
std::string check_proofs(unsigned short port,
                         const std::vector<std::pair<std::string, std::uint64_t>>& receipts,
                         const std::vector<std::string>& lines, const Checkpoint& checkpoint);

}  // namespace loket::testing
