// The decision journal on RocksDB: one key per record, written in synced batches (WAL sync
// on), and read back in sequence order. A journal lives in one directory and starts with a
// header that holds the scheme file's text, so that an auditor needs nothing else.
//
//   Result<OpenedJournal> opened = Journal::open("data", JournalOptions{.scheme_text = text});
//   opened->journal->write_synced(batch);   // durable when this returns ok
//
// Thread safety: write_synced is called by one thread at a time (the group committer);
// reading (cursor) may happen from any thread.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.hpp"

namespace rocksdb {
class DB;
class Env;
class Iterator;
class WriteBatch;
}  // namespace rocksdb

namespace loket {

class DurableMark;
struct SealedEvent;

struct JournalOptions {
  // Creates the journal with this scheme when the directory holds none. Empty: the journal
  // must exist.
  std::string scheme_text;
  // For fault injection in tests; nullptr uses the default environment.
  rocksdb::Env* env = nullptr;
  bool read_only = false;
};

class Journal;

struct OpenedJournal {
  std::unique_ptr<Journal> journal;  // never null
  bool created = false;              // the open made a new journal
};
// A failure with code corruption: the journal's files are damaged (not just a torn last
// write, which is dropped as never acknowledged) and the message names the file and the
// place. not_found: the folder holds no journal. Any other code says nothing about the
// journal's bytes.
using JournalOpenResult = Result<OpenedJournal>;

class Journal {
 public:
  // Strict: a torn last write (a crash while writing it) is dropped; any other damage to the
  // log files, the MANIFEST or the tables refuses the open (or a later read) with the file
  // named, rather than giving the records before it as if they were all.
  static JournalOpenResult open(const std::string& directory, const JournalOptions& options);
  ~Journal();

  std::string_view scheme_text() const { return scheme_text_; }
  const std::string& directory() const { return directory_; }
  rocksdb::Env* env() const { return env_; }  // as opened with; nullptr: the default

  // Writes the header again, synced: ok when the journal's disk takes a durable write. The
  // server asks this before it accepts submissions again after a write failure.
  Status check_writable();

  // Writes the batch with WAL sync. On ok, every record in it is durable.
  Status write_synced(rocksdb::WriteBatch& batch);

  // Deletes every record after `sequence`, synced. For a cluster node only, whose journal
  // holds records its cluster never took (replication/catch_up.hpp): they were never
  // acknowledged, and the cluster's log has others under those sequences.
  Status drop_records_after(std::uint64_t sequence);

  // Adds one encoded record to a batch under its sequence's key (and part, for the later
  // records of a split event: storage/format.hpp).
  static void add_record(rocksdb::WriteBatch& batch, std::uint64_t sequence,
                         std::string_view record_bytes, std::uint32_t part = 0);
  // Adds every record of a sealed event to a batch, each under its part: written in one
  // batch, an event is durable whole or not at all.
  static void add_event(rocksdb::WriteBatch& batch, std::uint64_t sequence,
                        const SealedEvent& event);

  // A record's key: its event's sequence and its part (0 for a whole event or a head). Not
  // well formed when the key has neither layout; the reader reports that as damage.
  struct RecordKey {
    std::uint64_t sequence = 0;
    std::uint32_t part = 0;
    bool well_formed = false;
  };

  // Reads records in sequence order from `first_sequence`. A cursor must be destroyed before
  // its journal (it holds a RocksDB iterator).
  class Cursor {
   public:
    explicit Cursor(std::unique_ptr<rocksdb::Iterator> iterator);
    ~Cursor();
    Cursor(Cursor&&) noexcept;
    bool valid() const;
    void next();
    RecordKey key() const;
    std::uint64_t sequence() const { return key().sequence; }
    std::span<const std::uint8_t> bytes() const;
    Status status() const;  // a read error, once valid() is false

   private:
    std::unique_ptr<rocksdb::Iterator> iterator_;
  };
  Cursor records(std::uint64_t first_sequence = 1) const;
  // The sequence under the last record key (0 for none); not verified.
  std::uint64_t last_sequence() const;

 private:
  Journal() = default;
  Result<bool> take_header(const JournalOptions& options, bool existed);  // true: created
  std::string directory_;
  std::string scheme_text_;
  rocksdb::Env* env_ = nullptr;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<DurableMark> mark_;  // null when read-only
};

std::string record_key(std::uint64_t sequence, std::uint32_t part = 0);

}  // namespace loket
