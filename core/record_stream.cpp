#include "core/record_stream.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "storage/format.hpp"

namespace loket {

using record_stream_limits::length_bytes;

void append_framed_record(std::string& stream, std::string_view record) {
  const auto length = static_cast<std::uint32_t>(record.size());
  for (std::size_t byte = 0; byte < length_bytes; ++byte) {
    stream.push_back(static_cast<char>((length >> (8 * byte)) & 0xff));
  }
  stream.append(record);
}

std::vector<std::string> cut_into_chunks(std::string_view stream, std::size_t chunk_bytes_max) {
  std::vector<std::string> chunks;
  const std::size_t step = std::max<std::size_t>(chunk_bytes_max, 1);
  for (std::size_t offset = 0; offset < stream.size(); offset += step) {
    chunks.emplace_back(stream.substr(offset, step));
  }
  return chunks;
}

Result<std::string> RecordStreamReader::next_record() {
  if (buffered_.size() - read_ < length_bytes) return std::string();
  std::uint32_t length = 0;
  for (std::size_t byte = 0; byte < length_bytes; ++byte) {
    length |= static_cast<std::uint32_t>(static_cast<unsigned char>(buffered_[read_ + byte]))
              << (8 * byte);
  }
  if (length == 0 || length > journal_format::record_bytes_max) {
    return Status::corruption(
        fmt::format("a record of {} bytes in the replicated log: a record has 1 to {} bytes",
                    length, journal_format::record_bytes_max));
  }
  if (buffered_.size() - read_ - length_bytes < length) return std::string();
  std::string record = buffered_.substr(read_ + length_bytes, length);
  read_ += length_bytes + length;
  // Drop what was returned once it is most of the buffer, so it does not grow with the log.
  if (read_ * 2 >= buffered_.size()) {
    buffered_.erase(0, read_);
    read_ = 0;
  }
  return record;
}

}  // namespace loket
