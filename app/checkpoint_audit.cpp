#include "app/checkpoint_audit.hpp"

#include <fmt/format.h>

#include "app/file_text.hpp"

namespace loket {

Result<GivenCheckpoint> read_given_checkpoint(const std::string& path,
                                              const std::optional<NoteVerifierKey>& key) {
  const Result<std::string> note = read_file_text(path, note_limits::note_bytes_max);
  if (!note.ok()) return note.status();
  Result<std::string> text = key ? open_note(*note, *key) : unverified_note_text(*note);
  if (!text.ok()) return Status::invalid_argument(path + ": " + text.status().message());
  Result<Checkpoint> checkpoint = parse_checkpoint_text(*text);
  if (!checkpoint.ok())
    return Status::invalid_argument(path + ": " + checkpoint.status().message());
  return GivenCheckpoint{path, std::move(checkpoint).value(), key.has_value()};
}

CheckpointAudit::CheckpointAudit(const Scheme& scheme, std::optional<NoteVerifierKey> key,
                                 std::vector<GivenCheckpoint> given)
    : scheme_(scheme), key_(std::move(key)), given_(std::move(given)) {}

void CheckpointAudit::visit(const JournalRecord& record) {
  const auto* checkpoint = std::get_if<CheckpointCommand>(&record.command);
  // After a failure the tree still grows, so that what it shows (the report's figures) covers
  // the whole journal; only the first failure is reported.
  if (checkpoint != nullptr && !failure_) check_journaled(record.sequence, checkpoint->note);
  tree_.append(scheme_, record.sequence, record.decisions);
}

void CheckpointAudit::check_journaled(std::uint64_t sequence, std::string_view note) {
  if (auto mismatch = tree_.checkpoint_mismatch(scheme_.id, note)) {
    failure_ = fmt::format("record {}: {}", sequence, *mismatch);
    return;
  }
  if (key_) {
    if (Result<std::string> opened = open_note(note, *key_); !opened.ok()) {
      failure_ = fmt::format("record {}: {}", sequence, opened.status().message());
      return;
    }
  }
  tree_.set_latest_checkpoint(note);
  ++journaled_;
}

void CheckpointAudit::finish() {
  const std::string origin = checkpoint_origin(scheme_.id);
  for (const GivenCheckpoint& given : given_) {
    if (failure_) return;
    const Checkpoint& checkpoint = given.checkpoint;
    if (checkpoint.origin != origin) {
      failure_ = fmt::format("{}: a checkpoint of {}, not of this journal's {}", given.source,
                             checkpoint.origin, origin);
    } else if (checkpoint.tree_size > tree_.size()) {
      failure_ = fmt::format(
          "{}: the checkpoint pins {} decisions but the journal holds {}: it was cut short after "
          "the checkpoint was made",
          given.source, checkpoint.tree_size, tree_.size());
    } else if (tree_.tree().root(checkpoint.tree_size) != checkpoint.root_hash) {
      failure_ = fmt::format(
          "{}: the journal's first {} decisions do not have the checkpoint's root {}: they were "
          "changed after the checkpoint was made",
          given.source, checkpoint.tree_size, root_hash_text(checkpoint.root_hash));
    }
  }
}

std::string CheckpointAudit::report() const {
  std::string report = fmt::format(
      "  decision tree: {} decisions, root {}; {} checkpoints journaled, each pinning the tree "
      "as it stood{}\n",
      tree_.size(), root_hash_text(tree_.tree().root(tree_.size())), journaled_,
      key_ ? fmt::format(" and signed by {}", key_->name) : " (signatures not checked: no --key)");
  for (const GivenCheckpoint& given : given_) {
    report += fmt::format("  checkpoint {}: {} decisions, root {}: met{}\n", given.source,
                          given.checkpoint.tree_size, root_hash_text(given.checkpoint.root_hash),
                          given.signature_checked ? ", signature verified" : "");
  }
  return report;
}

}  // namespace loket
