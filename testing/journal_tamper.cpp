#include "testing/journal_tamper.hpp"

#include <rocksdb/write_batch.h>

namespace loket::testing {

Status overwrite_record(Journal& journal, std::uint64_t sequence, std::string_view record_bytes) {
  rocksdb::WriteBatch batch;
  Journal::add_record(batch, sequence, record_bytes);
  return journal.write_synced(batch);
}

}  // namespace loket::testing
