// How journal records travel through etcd (cluster/etcd_log.hpp): as one stream of framed
// records, each a 4-byte little-endian length and the record's bytes, cut into chunks wherever
// a chunk is full. A record may span chunks (a part of a split event can be larger than a
// chunk); a batch's chunks become visible together, so a reader that reads up to the log's
// tail always ends on a record's end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"

namespace loket {

namespace record_stream_limits {
inline constexpr std::size_t length_bytes = 4;
}  // namespace record_stream_limits

// Appends one framed record to `stream`.
void append_framed_record(std::string& stream, std::string_view record);

// Cuts `stream` into chunks of at most chunk_bytes_max bytes (at least 1), in order.
std::vector<std::string> cut_into_chunks(std::string_view stream, std::size_t chunk_bytes_max);

// Takes chunks in log order and gives back whole records. A length over record_bytes_max
// (storage/format.hpp) or of zero is corruption: the stream cannot be trusted after it.
class RecordStreamReader {
 public:
  void add_chunk(std::string_view chunk) { buffered_.append(chunk); }
  // The next whole record, or an empty string when the chunks added so far end before it.
  Result<std::string> next_record();
  // True when every byte added so far belongs to a record already returned.
  bool at_record_end() const { return read_ == buffered_.size(); }

 private:
  std::string buffered_;
  std::size_t read_ = 0;  // buffered_[0, read_) has been returned
};

}  // namespace loket
