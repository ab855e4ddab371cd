// RocksDB's log files, checked before RocksDB reads them. The write-ahead log (*.log) and the
// MANIFEST share one format (RocksDB's wiki, "Write Ahead Log File Format"): 32 KiB blocks of
// records, each a masked CRC-32C (4 bytes), a length (2) and a type (1) before its data; a
// record never crosses a block, and fewer than 7 bytes left in a block are padding.
//
// The journal opens with RocksDB's kTolerateCorruptedTailRecords: an incomplete last write (a
// crash while writing; it was never synced, so never acknowledged) is dropped, and any other
// damage RocksDB finds refuses the open. RocksDB cannot tell one case apart, though: in the
// last block of a file, a damaged length field that points past the end of the file looks
// like an incomplete write, and everything after it would be dropped in silence. This check
// tells them apart (a torn record's data never matches its checksum at any length; a whole
// record with a damaged length matches it at its true length) and finds every other damage
// too, so that a damaged journal refuses to open instead of opening short.
#pragma once

#include <optional>
#include <string>

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace loket {

// Checks every *.log and MANIFEST-* file in `directory`, in name order. Nothing when each is
// intact or ends in a torn last write (a prefix of it, or zeros where the file system had
// reserved room); otherwise "FILE, byte N: what is wrong" for the first damage found.
std::optional<std::string> find_log_damage(rocksdb::Env& env, const std::string& directory);

}  // namespace loket
