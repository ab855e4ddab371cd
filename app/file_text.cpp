#include "app/file_text.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace loket {

Result<std::string> read_file_text(const std::string& path, std::size_t bytes_max) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file)
    return Status::io_error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::string text;
  char buffer[1 << 16];
  while (const std::size_t read = std::fread(buffer, 1, sizeof(buffer), file.get())) {
    text.append(buffer, read);
    if (text.size() > bytes_max) {
      return Status::invalid_argument(fmt::format("{}: larger than {} bytes", path, bytes_max));
    }
  }
  if (std::ferror(file.get())) {
    return Status::io_error(fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  }
  return text;
}

namespace {
constexpr std::size_t line_chunk_bytes = 1 << 16;
}  // namespace

LineReader::LineReader(std::FILE* file, std::size_t line_bytes_max)
    : file_(file), line_bytes_max_(line_bytes_max), chunk_(line_chunk_bytes) {
  line_.reserve(line_bytes_max);
}

bool LineReader::refill() {
  chunk_begin_ = 0;
  chunk_end_ = std::fread(chunk_.data(), 1, chunk_.size(), file_);
  return chunk_end_ > 0;
}

LineReader::Result LineReader::next(std::string_view& line) {
  line_.clear();
  for (;;) {
    if (chunk_begin_ == chunk_end_ && !refill()) {
      if (std::ferror(file_)) return Result::read_error;
      if (line_.empty()) return Result::end;
      line = line_;  // the last line, without a line end
      return Result::line;
    }
    const char* begin = chunk_.data() + chunk_begin_;
    const std::size_t available = chunk_end_ - chunk_begin_;
    const void* found = std::memchr(begin, '\n', available);
    const std::size_t length =
        found != nullptr ? static_cast<std::size_t>(static_cast<const char*>(found) - begin)
                         : available;
    if (line_.size() + length > line_bytes_max_) return Result::too_long;
    line_.append(begin, length);
    chunk_begin_ += length;
    if (found != nullptr) {
      ++chunk_begin_;  // past the line end
      line = line_;
      return Result::line;
    }
  }
}

}  // namespace loket
