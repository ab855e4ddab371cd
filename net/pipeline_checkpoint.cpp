// Signed checkpoints (docs/verify.md): the leader journals one after every close, and every
// interval when decisions were added since the last, so that what was decided is soon pinned
// by a statement anyone can keep. A checkpoint is an event like any other: it is replicated,
// replayed and exported, and the Sequencer refuses one that does not pin its tree.
#include <fmt/format.h>

#include "net/pipeline_impl.hpp"
#include "proof/checkpoint.hpp"

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

}  // namespace loket
