// Signed checkpoints (docs/verify.md): the leader journals one after every close, and every
// interval when decisions were added since the last, so that what was decided is soon pinned
// by a statement anyone can keep. A checkpoint is an event like any other: it is replicated,
// replayed and exported, and the Sequencer refuses one that does not pin its tree.
#include <fmt/format.h>

#include "net/pipeline_impl.hpp"
#include "proof/checkpoint.hpp"
#include "storage/decision_line.hpp"

namespace loket {

void Pipeline::Impl::checkpoint_if_due() {
  if (!checkpoints.key) return;
  const DecisionTree& tree = sequencer->decision_tree();
  if (tree.size() == tree.latest_checkpoint_size()) return;  // nothing new to pin
  const TimestampNs now = std::max(clock(), sequencer->last_timestamp());
  const auto interval_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(checkpoints.interval).count();
  if (!closed_since_checkpoint && now - last_checkpoint_at < interval_ns) return;
  const Checkpoint checkpoint{checkpoint_origin(scheme->id), tree.size(),
                              tree.tree().root(tree.size())};
  const std::string note = sign_note(*checkpoints.key, checkpoint_text(checkpoint));
  apply_internal(CheckpointCommand{note}, now);
  closed_since_checkpoint = false;
  last_checkpoint_at = now;
}

// The application's latest decision, its line read back from the journal, and its inclusion
// proof against the latest checkpoint; declined while the decision is newer than that.
std::variant<ProofView, Declined> Pipeline::Impl::answer_proof(const std::string& application_id) {
  const std::optional<ApplicationStatus> found =
      sequencer->allocator().find_application(application_id);
  if (!found) return Declined{JobRefusal::unknown_application, {}};
  const DecisionTree& tree = sequencer->decision_tree();
  const std::uint64_t leaf_index = found->last_decision_index;
  // The line is read from the journal, so its record must be durable (it is, soon after).
  if (leaf_index >= tree.latest_checkpoint_size())
    return Declined{JobRefusal::not_checkpointed, {}};
  // Only now: place_of requires a leaf the tree holds, which a checkpointed one is.
  const DecisionTree::LeafPlace place = tree.place_of(leaf_index);
  if (place.sequence > owner.counters_.durable_sequence.load(std::memory_order_acquire)) {
    return Declined{JobRefusal::not_checkpointed, {}};
  }
  Result<std::string> line =
      read_decision_line(*journal, *scheme, place.sequence, place.decision_index);
  if (!line.ok()) return Declined{JobRefusal::journal_unavailable, line.status().message()};
  const std::uint64_t tree_size = tree.latest_checkpoint_size();
  return ProofView{application_id,
                   leaf_index,
                   std::move(line).value(),
                   tree_size,
                   tree.tree().inclusion_proof(leaf_index, tree_size),
                   tree.latest_checkpoint()};
}

}  // namespace loket
