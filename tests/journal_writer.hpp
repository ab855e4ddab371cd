// Test helpers that write a journal of tiny_scheme directly, batch by batch, as the group
// committer does, and find its files: for the tests of damage to a journal's files.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engine/allocator.hpp"
#include "engine/crypto.hpp"
#include "storage/journal.hpp"

namespace loket::testing {

// Writes submissions to a journal of tiny_scheme in synced batches, one batch per
// write_synced (so one write-ahead log write each). It keeps the allocator and the chain, so
// that it can go on in the same journal opened again.
class BatchWriter {
 public:
  BatchWriter();
  void write(Journal& journal, std::size_t records, std::size_t monitoring_bytes = 0);

 private:
  Allocator allocator_;
  Sha256Digest head_{};
};

// REQUIREs that the journal of tiny_scheme in `folder` opens for writing (creating it).
std::unique_ptr<Journal> open_for_writing(const std::string& folder);

// The folder's write-ahead log (FAILs when there is none), and its durable mark.
std::string wal_path(const std::string& folder);
std::string mark_path(const std::string& folder);

}  // namespace loket::testing
