#include "storage/journal.hpp"

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <cstdarg>
#include <cstdio>
#include <filesystem>

#include "engine/assert.hpp"
#include "storage/durable_mark.hpp"
#include "storage/event_parts.hpp"
#include "storage/format.hpp"
#include "storage/log_files.hpp"
#include "storage/record.hpp"

namespace loket {
namespace {

std::span<const std::uint8_t> as_bytes(const rocksdb::Slice& slice) {
  return {reinterpret_cast<const std::uint8_t*>(slice.data()), slice.size()};
}

// RocksDB's own warnings go to the process's standard error, beside loket's log lines, and
// not to a LOG file in the journal's folder: on a full disk that file fails too, and the
// Debian build asserts on the next line written to a file that failed (seen on a full
// tmpfs: the process aborted).
class StandardErrorLogger : public rocksdb::Logger {
 public:
  StandardErrorLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list arguments) override {
    constexpr std::size_t line_bytes_max = 1024;
    char line[line_bytes_max];
    const int written = std::vsnprintf(line, sizeof(line), format, arguments);
    if (written < 0) return;
    const std::size_t length = std::min(static_cast<std::size_t>(written), sizeof(line) - 1);
    // One write, so that lines from several threads do not interleave.
    std::string text = fmt::format("loket: rocksdb: {}\n", std::string_view(line, length));
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
};

rocksdb::Options database_options(const JournalOptions& options) {
  rocksdb::Options database;
  database.create_if_missing = !options.scheme_text.empty();
  database.paranoid_checks = true;
  // A torn WAL tail (a write that never completed, so was never acknowledged) is dropped;
  // damage anywhere else refuses the open. (kPointInTimeRecovery would stop at the damage with
  // a warning and open on the records before it, as if they were all; kAbsoluteConsistency
  // would refuse a torn tail too.) find_log_damage covers the one damage RocksDB would take
  // for a torn tail.
  database.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  database.max_open_files = 256;
  database.info_log = std::make_shared<StandardErrorLogger>();  // warnings and worse
  if (options.env != nullptr) database.env = options.env;
  return database;
}

// A failed RocksDB call as a Status: corruption when RocksDB found damaged bytes, otherwise
// an I/O error (RocksDB's other failures here are the disk's or the operating system's).
Status from_rocksdb(const rocksdb::Status& status, std::string message) {
  return status.IsCorruption() ? Status::corruption(std::move(message))
                               : Status::io_error(std::move(message));
}

Result<std::unique_ptr<rocksdb::DB>> open_database(const std::string& directory,
                                                   const rocksdb::Options& database,
                                                   bool read_only) {
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened = read_only ? rocksdb::DB::OpenForReadOnly(database, directory, &raw)
                                           : rocksdb::DB::Open(database, directory, &raw);
  if (!opened.ok()) {
    return from_rocksdb(
        opened, fmt::format("{}: cannot open the journal: {}", directory, opened.ToString()));
  }
  return std::unique_ptr<rocksdb::DB>(raw);
}

// The durable mark (storage/durable_mark.hpp) is ahead of what RocksDB recovered.
Status lost_writes(const std::string& directory, std::uint64_t mark, std::uint64_t last) {
  return Status::corruption(
      fmt::format("{}: the journal is damaged: writes up to RocksDB sequence {} were acknowledged "
                  "({}), but the journal holds them only up to {}: a write-ahead log (*.log) was "
                  "removed or cut after it was written",
                  directory, mark, DurableMark::file_name, last));
}

Status mark_unreadable(const std::string& directory, const DurableMark::Read& mark) {
  if (mark.status.code() == StatusCode::corruption) {
    return Status::corruption(
        fmt::format("{}: the journal is damaged: {}", directory, mark.status.message()));
  }
  return Status::io_error(fmt::format("{}: cannot read the journal's durable mark: {}", directory,
                                      mark.status.message()));
}

}  // namespace

std::string record_key(std::uint64_t sequence, std::uint32_t part) {
  std::string key(
      part == 0 ? journal_format::record_key_bytes : journal_format::record_part_key_bytes, '\0');
  key[0] = journal_format::record_key_prefix;
  for (std::size_t byte = 0; byte < 8; ++byte) {
    key[1 + byte] = static_cast<char>(sequence >> (8 * (7 - byte)) & 0xFF);
  }
  for (std::size_t byte = 0; part != 0 && byte < 4; ++byte) {
    key[1 + 8 + byte] = static_cast<char>(part >> (8 * (3 - byte)) & 0xFF);
  }
  return key;
}

namespace {

// Settled here rather than by RocksDB, which logs an error for a folder it cannot list before
// it creates one. A reader needs the folder; a writer with a scheme creates it.
Status prepare_folder(const std::string& directory, const JournalOptions& options) {
  std::error_code error;
  if (options.scheme_text.empty() || options.read_only) {
    if (!std::filesystem::is_directory(directory, error)) {
      return Status::not_found(fmt::format("{}: holds no journal (no such folder)", directory));
    }
  } else if (!std::filesystem::create_directories(directory, error) && error) {
    return Status::io_error(
        fmt::format("{}: cannot create the folder: {}", directory, error.message()));
  }
  return Status::ok();
}

}  // namespace

JournalOpenResult Journal::open(const std::string& directory, const JournalOptions& options) {
  if (Status prepared = prepare_folder(directory, options); !prepared.is_ok()) {
    return prepared;
  }
  // A folder that RocksDB has used is a journal whatever happened to it since: it is never
  // made into a new one.
  std::error_code error;
  const bool existed = std::filesystem::exists(std::filesystem::path(directory) / "CURRENT", error);
  const rocksdb::Options database = database_options(options);
  if (const std::optional<std::string> damage = find_log_damage(*database.env, directory)) {
    return Status::corruption(fmt::format("{}: the journal is damaged: {}", directory, *damage));
  }
  const DurableMark::Read mark = DurableMark::read(directory);
  if (!mark.status.is_ok()) return mark_unreadable(directory, mark);
  // A writable open moves the log into a table: a journal that lost writes is refused
  // before that, so that its folder stays as it was found.
  if (!options.read_only && mark.sequence) {
    Result<std::unique_ptr<rocksdb::DB>> check = open_database(directory, database, true);
    if (!check.ok()) return check.status();
    const std::uint64_t last = (*check)->GetLatestSequenceNumber();
    if (*mark.sequence > last) return lost_writes(directory, *mark.sequence, last);
  }
  Result<std::unique_ptr<rocksdb::DB>> opened =
      open_database(directory, database, options.read_only);
  if (!opened.ok()) return opened.status();
  std::unique_ptr<Journal> journal(new Journal());
  journal->directory_ = directory;
  journal->env_ = options.env;
  journal->db_ = std::move(opened).value();
  const std::uint64_t last = journal->db_->GetLatestSequenceNumber();
  if (mark.sequence && *mark.sequence > last) return lost_writes(directory, *mark.sequence, last);
  if (!options.read_only) {
    Result<std::unique_ptr<DurableMark>> writable =
        DurableMark::open_for_writing(directory, mark, last);
    if (!writable.ok()) return writable.status();
    journal->mark_ = std::move(writable).value();
  }
  const Result<bool> created = journal->take_header(options, existed);
  if (!created.ok()) return created.status();
  return OpenedJournal{std::move(journal), *created};
}

// Reads the header, or writes it (synced) into a new journal; the scheme text is the one it
// holds. True when it wrote a new header.
Result<bool> Journal::take_header(const JournalOptions& options, bool existed) {
  std::string header;
  const rocksdb::Status read =
      db_->Get(rocksdb::ReadOptions(), std::string(journal_format::header_key), &header);
  bool created = false;
  if (read.IsNotFound() && existed) {
    return Status::corruption(
        fmt::format("{}: the journal is damaged: its header is missing (a log or table file was "
                    "removed or emptied)",
                    directory_));
  }
  if (read.IsNotFound()) {
    if (options.scheme_text.empty() || options.read_only) {
      return Status::not_found(fmt::format("{}: holds no journal", directory_));
    }
    header = encode_header(options.scheme_text);
    rocksdb::WriteBatch batch;
    const rocksdb::Status put = batch.Put(std::string(journal_format::header_key), header);
    LOKET_ASSERT(put.ok());
    if (Status wrote = write_synced(batch); !wrote.is_ok()) {
      return Status::io_error(
          fmt::format("{}: cannot write the header: {}", directory_, wrote.message()));
    }
    created = true;
  } else if (!read.ok()) {
    return from_rocksdb(read,
                        fmt::format("{}: cannot read the header: {}", directory_, read.ToString()));
  }
  std::string_view scheme_text;
  if (const Status decoded = decode_header(as_bytes(header), scheme_text); !decoded.is_ok()) {
    // Not reported as damage: a header loket cannot read may be a newer format's.
    return Status::invalid_argument(
        fmt::format("{}: bad journal header: {}", directory_, decoded.message()));
  }
  scheme_text_ = std::string(scheme_text);
  return created;
}

Journal::~Journal() = default;

Status Journal::write_synced(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions write;
  write.sync = true;
  const rocksdb::Status status = db_->Write(write, &batch);
  if (!status.ok())
    return Status::io_error(fmt::format("journal write failed: {}", status.ToString()));
  // Before anything is acknowledged: the mark never names a write that is not synced.
  LOKET_ASSERT(mark_);
  return mark_->advance(db_->GetLatestSequenceNumber());
}

Status Journal::check_writable() {
  LOKET_ASSERT(!scheme_text_.empty());
  rocksdb::WriteBatch batch;
  // The same bytes as before: readers see no change, the disk sees a synced write.
  const rocksdb::Status put =
      batch.Put(std::string(journal_format::header_key), encode_header(scheme_text_));
  LOKET_ASSERT(put.ok());
  return write_synced(batch);
}

void Journal::add_record(rocksdb::WriteBatch& batch, std::uint64_t sequence,
                         std::string_view record_bytes, std::uint32_t part) {
  LOKET_ASSERT(sequence > 0 && !record_bytes.empty());
  const rocksdb::Status status = batch.Put(record_key(sequence, part), record_bytes);
  LOKET_ASSERT(status.ok());
}

void Journal::add_event(rocksdb::WriteBatch& batch, std::uint64_t sequence,
                        const SealedEvent& event) {
  LOKET_ASSERT(event.count > 0);
  for (std::size_t part = 0; part < event.count; ++part) {
    add_record(batch, sequence, event.record(part), static_cast<std::uint32_t>(part));
  }
}

Status Journal::drop_records_after(std::uint64_t sequence) {
  if (sequence == UINT64_MAX) return Status::ok();
  rocksdb::WriteBatch batch;
  const std::string end(1, static_cast<char>(journal_format::record_key_prefix + 1));
  const rocksdb::Status deleted = batch.DeleteRange(record_key(sequence + 1, 0), end);
  LOKET_ASSERT(deleted.ok());
  return write_synced(batch);
}

Journal::Cursor Journal::records(std::uint64_t first_sequence) const {
  rocksdb::ReadOptions read;
  // Every record carries its own CRC-32C and SHA-256, but the keys do not: a damaged key in a
  // table could hide a record (the last one, unseen) or end the walk early. RocksDB's block
  // checksums (XXH3 for new tables) catch that.
  read.verify_checksums = true;
  read.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> iterator(db_->NewIterator(read));
  iterator->Seek(record_key(first_sequence));
  return Cursor(std::move(iterator));
}

std::uint64_t Journal::last_sequence() const {
  std::unique_ptr<rocksdb::Iterator> iterator(db_->NewIterator(rocksdb::ReadOptions()));
  iterator->SeekToLast();
  Cursor cursor(std::move(iterator));
  return cursor.valid() ? cursor.sequence() : 0;
}

Journal::Cursor::Cursor(std::unique_ptr<rocksdb::Iterator> iterator)
    : iterator_(std::move(iterator)) {}
Journal::Cursor::~Cursor() = default;
Journal::Cursor::Cursor(Cursor&&) noexcept = default;

bool Journal::Cursor::valid() const {
  return iterator_->Valid() && !iterator_->key().empty() &&
         iterator_->key()[0] == journal_format::record_key_prefix;
}

void Journal::Cursor::next() {
  iterator_->Next();
}

Journal::RecordKey Journal::Cursor::key() const {
  const rocksdb::Slice key = iterator_->key();
  RecordKey decoded;
  decoded.well_formed = key.size() == journal_format::record_key_bytes ||
                        key.size() == journal_format::record_part_key_bytes;
  if (!decoded.well_formed) return decoded;
  for (std::size_t byte = 1; byte < journal_format::record_key_bytes; ++byte) {
    decoded.sequence = decoded.sequence << 8 | static_cast<std::uint8_t>(key[byte]);
  }
  for (std::size_t byte = journal_format::record_key_bytes; byte < key.size(); ++byte) {
    decoded.part = decoded.part << 8 | static_cast<std::uint8_t>(key[byte]);
  }
  // A part key never holds part 0: that is the plain key's.
  decoded.well_formed = key.size() == journal_format::record_key_bytes || decoded.part != 0;
  return decoded;
}

std::span<const std::uint8_t> Journal::Cursor::bytes() const {
  return as_bytes(iterator_->value());
}

Status Journal::Cursor::status() const {
  const rocksdb::Status status = iterator_->status();
  return status.ok() ? Status::ok() : from_rocksdb(status, status.ToString());
}

}  // namespace loket
