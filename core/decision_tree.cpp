#include "core/decision_tree.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "engine/assert.hpp"
#include "parse/event_json.hpp"
#include "proof/checkpoint.hpp"

namespace loket {

void DecisionTree::append(const Scheme& scheme, std::uint64_t sequence,
                          std::span<const Decision> decisions) {
  if (!decisions.empty()) events_.emplace_back(size(), sequence);
  for (const Decision& decision : decisions) {
    line_.clear();
    append_decision_json(line_, scheme, sequence, decision);
    line_.pop_back();  // the newline ends the export's line; it is not part of the leaf
    tree_.append_leaf(line_);
  }
}

DecisionTree::LeafPlace DecisionTree::place_of(std::uint64_t leaf_index) const {
  LOKET_ASSERT(leaf_index < size());
  // The last event whose first leaf is not after leaf_index.
  const auto after =
      std::upper_bound(events_.begin(), events_.end(), leaf_index,
                       [](std::uint64_t leaf, const auto& event) { return leaf < event.first; });
  LOKET_ASSERT(after != events_.begin());
  const auto& [first_leaf, sequence] = *(after - 1);
  return LeafPlace{sequence, leaf_index - first_leaf};
}

std::optional<std::string> DecisionTree::checkpoint_mismatch(std::string_view scheme_id,
                                                             std::string_view note) const {
  Result<std::string> text = unverified_note_text(note);
  if (!text.ok()) return text.status().message();
  Result<Checkpoint> checkpoint = parse_checkpoint_text(*text);
  if (!checkpoint.ok()) return checkpoint.status().message();
  const std::string origin = checkpoint_origin(scheme_id);
  if (checkpoint->origin != origin) {
    return fmt::format("the checkpoint is of {}, not {}", checkpoint->origin, origin);
  }
  if (checkpoint->tree_size != size()) {
    return fmt::format("the checkpoint pins {} decisions; the journal has {} at that point",
                       checkpoint->tree_size, size());
  }
  if (checkpoint->root_hash != tree_.root(size())) {
    return fmt::format("the checkpoint's root is not the root of the journal's {} decisions",
                       size());
  }
  return std::nullopt;
}

}  // namespace loket
