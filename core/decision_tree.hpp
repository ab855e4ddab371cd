// The journal's decision tree (RFC 9162): one leaf per decision, in journal order, each leaf
// the decision's line exactly as `loket export --what decisions --format jsonl` prints it,
// without the newline. The Sequencer grows it with every accepted command and recovery
// rebuilds it, so a leaf's index is the decision's position in that export, from 0.
#pragma once

#include <span>
#include <string>

#include "engine/decision.hpp"
#include "engine/scheme.hpp"
#include "proof/merkle_tree.hpp"

namespace loket {

class DecisionTree {
 public:
  void append(const Scheme& scheme, std::uint64_t sequence, std::span<const Decision> decisions);

  const MerkleTree& tree() const { return tree_; }
  std::uint64_t size() const { return tree_.size(); }

 private:
  MerkleTree tree_;
  std::string line_;  // reused: no allocation per leaf once it has grown
};

}  // namespace loket
