#include "core/decision_tree.hpp"

#include "parse/event_json.hpp"

namespace loket {

void DecisionTree::append(const Scheme& scheme, std::uint64_t sequence,
                          std::span<const Decision> decisions) {
  for (const Decision& decision : decisions) {
    line_.clear();
    append_decision_json(line_, scheme, sequence, decision);
    line_.pop_back();  // the newline ends the export's line; it is not part of the leaf
    tree_.append_leaf(line_);
  }
}

}  // namespace loket
