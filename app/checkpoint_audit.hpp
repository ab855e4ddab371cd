// What `loket audit` checks of the decision tree (docs/verify.md). Every checkpoint in the
// journal must pin the tree as it stood when it was journaled, and with a verifier key be
// signed by it. Every checkpoint given from outside (--checkpoint: one that was published)
// must be met by the journal: it holds at least that many decisions, and the tree of its first
// that many has the checkpoint's root. A journal cut short, or rewritten from some record on
// and sealed again, fails against any checkpoint published before the change.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/decision_tree.hpp"
#include "proof/checkpoint.hpp"
#include "storage/record.hpp"

namespace loket {

struct GivenCheckpoint {
  std::string source;  // its file, for the report
  Checkpoint checkpoint;
  bool signature_checked = false;
};

// Reads a published checkpoint's file: with a key, its signature must verify; without, it is
// only parsed. invalid_argument "FILE: what".
Result<GivenCheckpoint> read_given_checkpoint(const std::string& path,
                                              const std::optional<NoteVerifierKey>& key);

class CheckpointAudit {
 public:
  CheckpointAudit(const Scheme& scheme, std::optional<NoteVerifierKey> key,
                  std::vector<GivenCheckpoint> given);

  // Every record, in sequence order (the parts of a split event joined).
  void visit(const JournalRecord& record);
  // After the last record: the given checkpoints against the whole tree.
  void finish();

  // The first check that failed. Nothing when all held.
  const std::optional<std::string>& failure() const { return failure_; }
  // What was checked, in lines that end in '\n'.
  std::string report() const;
  // The tree as replayed so far, with the latest journaled checkpoint that held.
  const DecisionTree& tree() const { return tree_; }
  std::uint64_t checkpoints_journaled() const { return journaled_; }

 private:
  // A journaled checkpoint must pin the tree as it stands (and be signed by the key).
  void check_journaled(std::uint64_t sequence, std::string_view note);

  const Scheme& scheme_;
  const std::optional<NoteVerifierKey> key_;
  const std::vector<GivenCheckpoint> given_;
  DecisionTree tree_;
  std::uint64_t journaled_ = 0;
  std::optional<std::string> failure_;
};

}  // namespace loket
