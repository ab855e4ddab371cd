// Test helpers that write a journal of tiny_scheme directly, batch by batch, as the group
// committer does, and find its files: for the tests of damage to a journal's files.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/sequencer.hpp"
#include "core/synced_batch_log.hpp"
#include "storage/journal.hpp"

namespace loket::testing {

// Writes submissions to a journal of tiny_scheme in synced batches, one batch per
// write_synced (so one write-ahead log write each), through the Sequencer as the server
// does. It keeps the Sequencer (allocator and chain), so that it can go on in the same
// journal opened again.
class BatchWriter {
 public:
  BatchWriter();
  void write(Journal& journal, std::size_t records, std::size_t monitoring_bytes = 0);

 private:
  Sequencer sequencer_;
  SyncedBatchLog& log_;  // the sequencer's
};

// Has the Sequencer (of tiny_scheme) accept `count` more registrations, each of another
// participant, with these monitoring attributes; hands them to its log without waiting.
void submit_registrations(Sequencer& sequencer, std::size_t count,
                          std::string_view monitoring = {});

// REQUIREs that the journal of tiny_scheme in `folder` opens for writing (creating it).
std::unique_ptr<Journal> open_for_writing(const std::string& folder);

// The folder's write-ahead log (FAILs when there is none), and its durable mark.
std::string wal_path(const std::string& folder);
std::string mark_path(const std::string& folder);

}  // namespace loket::testing
