// The journal's high-water mark, kept apart from RocksDB's files: how far its writes had been
// synced when they were acknowledged. RocksDB's write-ahead log carries no such mark, so a
// live log that is removed, or cut exactly between two writes, while earlier records sit in
// tables, reads back as a shorter journal that RocksDB opens without a word. With the mark,
// Journal::open sees RocksDB's last sequence number fall short of it and reports damage.
//
// The mark is RocksDB's sequence number after each synced write (it counts every key ever
// written, so it only grows). It is updated after the write is synced and before it is
// acknowledged, in place and without a sync of its own: a process crash keeps it (the page
// cache survives), and after a power loss it can only lag, never lead, since it never names
// a write that was not synced first. So `mark <= RocksDB's last sequence` holds for every
// journal that lost nothing acknowledged, torn last write included.
//
// File "LOKET-MARK": two 16-byte slots, each sequence:u64 crc:u32 magic:u32 (little-endian;
// crc = CRC-32C of the sequence's bytes). Writes alternate between the slots, so a write torn
// by a power loss spoils one slot and the other still holds the mark before it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/status.hpp"

namespace loket {

class DurableMark {
 public:
  // The mark as it stands, read before RocksDB opens the folder: a writer can then only have
  // moved RocksDB past it, never the mark past what the open reads. No file: no sequence (a
  // journal from before marks, or a new one). A corruption status: the file is there but
  // holds no valid slot; any other status that is not ok is an I/O problem (not a regular
  // file, no permission), which says nothing about the journal.
  struct Read {
    std::optional<std::uint64_t> sequence;
    Status status = Status::ok();
    std::size_t newest_slot = 0;
  };
  static Read read(const std::string& directory);

  // The mark for a writer, once the journal opened at `current_sequence`: the file read
  // (read.status ok), or else a new one holding current_sequence, created and synced. Never
  // null; an I/O status when the file cannot be created or opened.
  static Result<std::unique_ptr<DurableMark>> open_for_writing(const std::string& directory,
                                                               const Read& read,
                                                               std::uint64_t current_sequence);
  ~DurableMark();
  DurableMark(const DurableMark&) = delete;
  DurableMark& operator=(const DurableMark&) = delete;

  // Records that every write up to `sequence` is synced. Not synced itself (see above).
  Status advance(std::uint64_t sequence);

  static constexpr const char* file_name = "LOKET-MARK";

 private:
  DurableMark(int fd, std::string path, std::size_t next_slot)
      : fd_(fd), path_(std::move(path)), next_slot_(next_slot) {}

  int fd_ = -1;
  std::string path_;
  std::size_t next_slot_ = 0;
};

}  // namespace loket
