// The journal's decision tree (RFC 9162): one leaf per decision, in journal order, each leaf
// the decision's line exactly as `loket export --what decisions --format jsonl` prints it,
// without the newline. The Sequencer grows it with every accepted command and recovery
// rebuilds it, so a leaf's index is the decision's position in that export, from 0.
#pragma once

#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/deque_bytes.hpp"
#include "engine/decision.hpp"
#include "engine/scheme.hpp"
#include "proof/merkle_tree.hpp"

namespace loket {

class DecisionTree {
 public:
  void append(const Scheme& scheme, std::uint64_t sequence, std::span<const Decision> decisions);

  const MerkleTree& tree() const { return tree_; }
  std::uint64_t size() const { return tree_.size(); }
  // The heap bytes it holds: the tree's hashes and the index of events with decisions.
  std::size_t bytes_used() const {
    return tree_.bytes_used() + deque_bytes(events_) + line_.capacity();
  }

  // Where leaf `leaf_index` (< size()) is in the journal: its event's sequence and its place
  // among that event's decisions.
  struct LeafPlace {
    std::uint64_t sequence = 0;
    std::uint64_t decision_index = 0;
  };
  LeafPlace place_of(std::uint64_t leaf_index) const;

  // Why a checkpoint's `note` does not pin this tree as it stands, or nothing when it does:
  // its text must be a checkpoint of `scheme_id`'s log at this size with this root. The
  // signature is not checked here: that needs the verifier key (loket audit --key, loket verify).
  std::optional<std::string> checkpoint_mismatch(std::string_view scheme_id,
                                                 std::string_view note) const;
  // The latest journaled checkpoint's note (empty before the first) and the size it pins,
  // which is the tree's size when it was journaled.
  const std::string& latest_checkpoint() const { return latest_checkpoint_; }
  std::uint64_t latest_checkpoint_size() const { return latest_checkpoint_size_; }
  void set_latest_checkpoint(std::string_view note) {
    latest_checkpoint_ = note;
    latest_checkpoint_size_ = size();
  }

 private:
  MerkleTree tree_;
  // (first leaf, sequence) of every event with decisions, in order: 16 bytes per such event,
  // in blocks that an append never moves (see MerkleTree).
  std::deque<std::pair<std::uint64_t, std::uint64_t>> events_;
  std::string latest_checkpoint_;
  std::uint64_t latest_checkpoint_size_ = 0;
  std::string line_;  // reused: no allocation per leaf once it has grown
};

}  // namespace loket
