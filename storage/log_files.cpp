#include "storage/log_files.hpp"

#include <fmt/format.h>
#include <rocksdb/env.h>

#include <algorithm>
#include <span>
#include <vector>

#include "engine/assert.hpp"
#include "storage/crc32c.hpp"

namespace loket {
namespace {

// RocksDB's db/log_format.h.
constexpr std::size_t block_bytes = 32768;
constexpr std::size_t header_bytes = 7;
constexpr std::size_t recyclable_header_bytes = 11;  // a log number after the type
constexpr std::size_t type_offset = 6;               // the checksum covers the type onwards
constexpr std::uint8_t recyclable_type_first = 5;
constexpr std::uint8_t recyclable_type_last = 8;
constexpr std::uint32_t crc_mask_delta = 0xa282ead8;

using Bytes = std::span<const std::uint8_t>;

std::uint32_t unmasked_crc(Bytes header) {
  const std::uint32_t masked =
      static_cast<std::uint32_t>(header[0]) | static_cast<std::uint32_t>(header[1]) << 8 |
      static_cast<std::uint32_t>(header[2]) << 16 | static_cast<std::uint32_t>(header[3]) << 24;
  const std::uint32_t rotated = masked - crc_mask_delta;
  return rotated >> 17 | rotated << 15;
}

bool all_zero(Bytes bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t byte) { return byte == 0; });
}

struct Finding {
  enum class Kind : std::uint8_t { intact, torn, zeros, damaged } kind = Kind::intact;
  std::size_t position = 0;  // in the block, for damage
  std::string what;
};

Finding damage_at(std::size_t position, std::string what) {
  return {Finding::Kind::damaged, position, std::move(what)};
}

// A record whose data runs past the end of the file: torn, unless its checksum matches the
// data at some shorter length, which makes it a whole record with a damaged length field.
bool whole_under_another_length(Bytes record, std::size_t header, std::uint32_t stored_crc) {
  std::uint32_t crc = crc32c(record.subspan(type_offset, header - type_offset));
  if (crc == stored_crc) return true;
  for (std::size_t position = header; position < record.size(); ++position) {
    crc = crc32c_extend(crc, record.subspan(position, 1));
    if (crc == stored_crc) return true;
  }
  return false;
}

// Walks the records of one block (the last one of the file may be short).
Finding scan_block(Bytes block, bool zeros_expected) {
  LOKET_ASSERT(block.size() <= block_bytes);
  if (zeros_expected) {
    return all_zero(block) ? Finding{Finding::Kind::zeros, 0, {}}
                           : damage_at(0, "data after the zeroed end of the log");
  }
  std::size_t position = 0;
  while (position < block.size()) {
    const std::size_t block_left = block_bytes - position;
    const Bytes rest = block.subspan(position);
    if (block_left < header_bytes) return {};  // padding to the next block
    if (rest.size() < header_bytes) return {Finding::Kind::torn, position, {}};
    const std::size_t length = static_cast<std::size_t>(rest[4] | rest[5] << 8);
    const std::uint8_t type = rest[type_offset];
    if (type == 0 && length == 0) {  // room the file system reserved, never written
      return all_zero(rest) ? Finding{Finding::Kind::zeros, position, {}}
                            : damage_at(position, "a zeroed record header before data");
    }
    const std::size_t header = type >= recyclable_type_first && type <= recyclable_type_last
                                   ? recyclable_header_bytes
                                   : header_bytes;
    if (header + length > block_left) {
      return damage_at(position, fmt::format("a record of {} bytes runs past its block", length));
    }
    const std::uint32_t stored_crc = unmasked_crc(rest);
    if (header + length > rest.size()) {
      if (whole_under_another_length(rest, header, stored_crc)) {
        return damage_at(position, "a whole record with a damaged length");
      }
      return {Finding::Kind::torn, position, {}};
    }
    if (crc32c(rest.subspan(type_offset, header - type_offset + length)) != stored_crc) {
      return damage_at(position, "checksum mismatch");
    }
    position += header + length;
  }
  return {};
}

std::optional<std::string> check_log_file(rocksdb::Env& env, const std::string& path) {
  std::unique_ptr<rocksdb::SequentialFile> file;
  rocksdb::Status status = env.NewSequentialFile(path, &file, rocksdb::EnvOptions());
  if (!status.ok()) return fmt::format("cannot read it: {}", status.ToString());
  std::vector<char> scratch(block_bytes);
  bool zeros_expected = false;
  for (std::uint64_t block_start = 0;; block_start += block_bytes) {
    rocksdb::Slice block;
    status = file->Read(block_bytes, &block, scratch.data());
    if (!status.ok())
      return fmt::format("byte {}: cannot read: {}", block_start, status.ToString());
    const Finding finding = scan_block(
        {reinterpret_cast<const std::uint8_t*>(block.data()), block.size()}, zeros_expected);
    switch (finding.kind) {
      case Finding::Kind::damaged:
        return fmt::format("byte {}: {}", block_start + finding.position, finding.what);
      case Finding::Kind::torn:
        return std::nullopt;
      case Finding::Kind::zeros:
        zeros_expected = true;
        break;
      case Finding::Kind::intact:
        break;
    }
    if (block.size() < block_bytes) return std::nullopt;
  }
}

bool is_log_file(const std::string& name) {
  return name.starts_with("MANIFEST-") || name.ends_with(".log");
}

}  // namespace

std::optional<std::string> find_log_damage(rocksdb::Env& env, const std::string& directory) {
  std::vector<std::string> names;
  const rocksdb::Status listed = env.GetChildren(directory, &names);
  if (!listed.ok()) return fmt::format("cannot list the folder: {}", listed.ToString());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (!is_log_file(name)) continue;
    if (std::optional<std::string> damage = check_log_file(env, directory + "/" + name)) {
      return fmt::format("{}, {}", name, *damage);
    }
  }
  return std::nullopt;
}

}  // namespace loket
