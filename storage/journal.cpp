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

JournalOpenResult Journal::open(const std::string& directory, const JournalOptions& options) {
  // Settled here rather than by RocksDB, which logs an error for a folder it cannot list
  // before it creates one.
  std::error_code error;
  if (options.scheme_text.empty() || options.read_only) {
    if (!std::filesystem::is_directory(directory, error)) {
      return {nullptr,
              Status::error(fmt::format("{}: holds no journal (no such folder)", directory)),
              false};
    }
  } else if (!std::filesystem::create_directories(directory, error) && error) {
    return {
        nullptr,
        Status::error(fmt::format("{}: cannot create the folder: {}", directory, error.message())),
        false};
  }
  // A folder that RocksDB has used is a journal whatever happened to it since: it is never
  // made into a new one.
  const bool existed = std::filesystem::exists(std::filesystem::path(directory) / "CURRENT", error);
  const rocksdb::Options database = database_options(options);
  if (const std::optional<std::string> damage = find_log_damage(*database.env, directory)) {
    return {nullptr,
            Status::error(fmt::format("{}: the journal is damaged: {}", directory, *damage)), false,
            true};
  }
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status opened = options.read_only
                                     ? rocksdb::DB::OpenForReadOnly(database, directory, &raw)
                                     : rocksdb::DB::Open(database, directory, &raw);
  if (!opened.ok()) {
    return {
        nullptr,
        Status::error(fmt::format("{}: cannot open the journal: {}", directory, opened.ToString())),
        false, opened.IsCorruption()};
  }
  std::unique_ptr<Journal> journal(new Journal());
  journal->directory_ = directory;
  journal->env_ = options.env;
  journal->db_.reset(raw);
  if (JournalOpenResult lost = journal->check_durable_mark(options.read_only);
      !lost.status.is_ok()) {
    return lost;
  }

  std::string header;
  const rocksdb::Status read =
      raw->Get(rocksdb::ReadOptions(), std::string(journal_format::header_key), &header);
  bool created = false;
  if (read.IsNotFound() && existed) {
    return {nullptr,
            Status::error(fmt::format(
                "{}: the journal is damaged: its header is missing (a log or table file was "
                "removed or emptied)",
                directory)),
            false, true};
  }
  if (read.IsNotFound()) {
    if (options.scheme_text.empty() || options.read_only) {
      return {nullptr, Status::error(fmt::format("{}: holds no journal", directory)), false};
    }
    header = encode_header(options.scheme_text);
    rocksdb::WriteOptions write;
    write.sync = true;
    const rocksdb::Status wrote = raw->Put(write, std::string(journal_format::header_key), header);
    const Status marked =
        wrote.ok() ? journal->mark_->advance(raw->GetLatestSequenceNumber()) : Status::ok();
    if (!marked.is_ok()) return {nullptr, marked, false};
    if (!wrote.ok()) {
      return {nullptr,
              Status::error(
                  fmt::format("{}: cannot write the header: {}", directory, wrote.ToString())),
              false};
    }
    created = true;
  } else if (!read.ok()) {
    return {
        nullptr,
        Status::error(fmt::format("{}: cannot read the header: {}", directory, read.ToString())),
        false, read.IsCorruption()};
  }
  std::string_view scheme_text;
  const std::string problem = decode_header(as_bytes(header), scheme_text);
  if (!problem.empty()) {
    return {nullptr, Status::error(fmt::format("{}: bad journal header: {}", directory, problem)),
            false};
  }
  journal->scheme_text_ = std::string(scheme_text);
  return {std::move(journal), Status::ok(), created};
}

Journal::~Journal() = default;

JournalOpenResult Journal::check_durable_mark(bool read_only) {
  const std::uint64_t last = db_->GetLatestSequenceNumber();
  DurableMark::Opened opened = DurableMark::open(directory_, read_only, last);
  if (!opened.status.is_ok()) {
    return {nullptr,
            Status::error(
                fmt::format("{}: the journal is damaged: {}", directory_, opened.status.message())),
            false, true};
  }
  if (opened.sequence && *opened.sequence > last) {
    return {nullptr,
            Status::error(fmt::format(
                "{}: the journal is damaged: writes up to RocksDB sequence {} were acknowledged "
                "({}), but the journal holds them only up to {}: a write-ahead log (*.log) was "
                "removed or cut after it was written",
                directory_, *opened.sequence, DurableMark::file_name, last)),
            false, true};
  }
  if (!read_only) mark_ = std::move(opened.mark);
  return {};
}

Status Journal::write_synced(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions write;
  write.sync = true;
  const rocksdb::Status status = db_->Write(write, &batch);
  if (!status.ok())
    return Status::error(fmt::format("journal write failed: {}", status.ToString()));
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
  return status.ok() ? Status::ok() : Status::error(status.ToString());
}

}  // namespace loket
