#include "storage/durable_mark.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <span>

#include "engine/assert.hpp"
#include "storage/crc32c.hpp"

namespace loket {
namespace {

constexpr std::size_t slot_bytes = 16;
constexpr std::size_t slot_count = 2;
constexpr std::size_t file_bytes = slot_bytes * slot_count;
constexpr std::uint32_t slot_magic = 0x4b52414d;  // "MARK" read as little-endian bytes

using Slot = std::array<std::uint8_t, slot_bytes>;

void put_u64(std::uint8_t* out, std::uint64_t value) {
  for (std::size_t byte = 0; byte < 8; ++byte)
    out[byte] = static_cast<std::uint8_t>(value >> (8 * byte));
}

std::uint64_t get_u64(const std::uint8_t* in) {
  std::uint64_t value = 0;
  for (std::size_t byte = 8; byte-- > 0;) value = value << 8 | in[byte];
  return value;
}

Slot encode_slot(std::uint64_t sequence) {
  Slot slot{};
  put_u64(slot.data(), sequence);
  const std::uint32_t crc = crc32c(std::span<const std::uint8_t>(slot.data(), 8));
  put_u64(slot.data() + 8, static_cast<std::uint64_t>(slot_magic) << 32 | crc);
  return slot;
}

std::optional<std::uint64_t> decode_slot(std::span<const std::uint8_t> slot) {
  LOKET_ASSERT(slot.size() == slot_bytes);
  const std::uint64_t tail = get_u64(slot.data() + 8);
  if (tail >> 32 != slot_magic) return std::nullopt;
  if (static_cast<std::uint32_t>(tail) != crc32c(slot.first(8))) return std::nullopt;
  return get_u64(slot.data());
}

std::string errno_text() {
  return std::strerror(errno);
}

Status sync_directory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::io_error(fmt::format("{}: cannot open: {}", directory, errno_text()));
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0)
    return Status::io_error(fmt::format("{}: cannot sync: {}", directory, errno_text()));
  return Status::ok();
}

// Writes the file whole under a temporary name, synced, then renames it: the name never
// stands for a file without both slots.
Status create_mark(const std::string& directory, const std::string& path, std::uint64_t sequence) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return Status::io_error(fmt::format("{}: cannot create: {}", temporary, errno_text()));
  std::array<std::uint8_t, file_bytes> bytes{};
  const Slot slot = encode_slot(sequence);
  for (std::size_t index = 0; index < slot_count; ++index) {
    std::memcpy(bytes.data() + index * slot_bytes, slot.data(), slot_bytes);
  }
  const bool written = ::pwrite(fd, bytes.data(), bytes.size(), 0) == ::ssize_t(bytes.size());
  const bool synced = written && ::fsync(fd) == 0;
  const std::string error = synced ? std::string() : errno_text();
  ::close(fd);
  if (!synced) return Status::io_error(fmt::format("{}: cannot write: {}", temporary, error));
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::io_error(fmt::format("{}: cannot rename: {}", temporary, errno_text()));
  }
  return sync_directory(directory);
}

}  // namespace

DurableMark::Read DurableMark::read(const std::string& directory) {
  const std::string path = directory + "/" + file_name;
  // Non-blocking, so that a FIFO in its place cannot hang a reader.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return {};
  if (fd < 0) return {{}, Status::io_error(fmt::format("{}: cannot open: {}", path, errno_text()))};
  struct stat file {};
  if (::fstat(fd, &file) != 0 || !S_ISREG(file.st_mode)) {
    const std::string error = errno_text();
    ::close(fd);
    return {{},
            Status::io_error(fmt::format("{}: {}", path,
                                         S_ISREG(file.st_mode) ? error : "is not a regular file"))};
  }
  std::array<std::uint8_t, file_bytes + 1> bytes{};  // one more, to see a longer file
  const ::ssize_t read = ::pread(fd, bytes.data(), bytes.size(), 0);
  const std::string error = read < 0 ? errno_text() : std::string();
  ::close(fd);
  if (read < 0) return {{}, Status::io_error(fmt::format("{}: cannot read: {}", path, error))};
  Read result;
  for (std::size_t index = 0; read == ::ssize_t(file_bytes) && index < slot_count; ++index) {
    const auto value = decode_slot(std::span(bytes).subspan(index * slot_bytes, slot_bytes));
    if (value && (!result.sequence || *value > *result.sequence)) {
      result.sequence = value;
      result.newest_slot = index;
    }
  }
  if (!result.sequence) {
    result.status = Status::corruption(
        fmt::format("{}: both slots of the durable mark are damaged, or its length is not {} bytes",
                    file_name, file_bytes));
  }
  return result;
}

Result<std::unique_ptr<DurableMark>> DurableMark::open_for_writing(const std::string& directory,
                                                                   const Read& read,
                                                                   std::uint64_t current_sequence) {
  LOKET_ASSERT(read.status.is_ok());
  const std::string path = directory + "/" + file_name;
  if (!read.sequence) {
    if (Status created = create_mark(directory, path, current_sequence); !created.is_ok()) {
      return created;
    }
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::io_error(fmt::format("{}: cannot open: {}", path, errno_text()));
  // Keep the newest slot; overwrite the other first.
  const std::size_t next_slot = read.sequence ? (read.newest_slot + 1) % slot_count : 0;
  return std::unique_ptr<DurableMark>(new DurableMark(fd, path, next_slot));
}

DurableMark::~DurableMark() {
  if (fd_ >= 0) ::close(fd_);
}

Status DurableMark::advance(std::uint64_t sequence) {
  LOKET_ASSERT(fd_ >= 0);
  const Slot slot = encode_slot(sequence);
  const auto offset = static_cast<off_t>(next_slot_ * slot_bytes);
  if (::pwrite(fd_, slot.data(), slot.size(), offset) != ::ssize_t(slot.size())) {
    return Status::io_error(fmt::format("{}: cannot write: {}", path_, errno_text()));
  }
  next_slot_ = (next_slot_ + 1) % slot_count;
  return Status::ok();
}

}  // namespace loket
