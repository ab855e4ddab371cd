// Start-up: open the journal (creating it for a new scheme), verify it and rebuild the
// allocator's state and the Idempotency-Keys by replaying every record, in one pass. This is
// how the server comes back after a crash: what it acknowledged was synced, so it is in the
// journal, and replay puts the allocator exactly where it was.
#pragma once

#include <memory>
#include <string>

#include "core/decision_tree.hpp"
#include "core/idempotency_index.hpp"
#include "engine/allocator.hpp"
#include "storage/journal.hpp"
#include "storage/replay.hpp"

namespace loket {

struct RecoveryOptions {
  JournalOptions journal;  // its scheme_text is recover_journal's
  std::size_t applications_expected = 1 << 20;
  std::size_t idempotency_keys_max = 100'000;
  // The scheme already parsed from scheme_text by the caller, so that it is parsed once;
  // null: parsed here.
  const Scheme* scheme = nullptr;
};

struct Recovered {
  std::unique_ptr<Journal> journal;
  std::unique_ptr<Allocator> allocator;  // at the journal's last sequence
  JournalSummary summary;                // records, head hash; never a problem
  IdempotencyIndex keys{0};              // the journal's most recent Idempotency-Keys
  DecisionTree tree;                     // every journaled decision, for the Sequencer
};

// scheme_text: the scheme to create a new journal with; for an existing journal it must be
// the one in its header (a server must not continue a journal under another scheme). On any
// problem in the journal (a torn or corrupt record, a gap, a decision that replays
// differently) the status names the record (a corruption) and there is nothing to run on.
Result<Recovered> recover_journal(const std::string& directory, const std::string& scheme_text,
                                  const RecoveryOptions& options = {});

}  // namespace loket
