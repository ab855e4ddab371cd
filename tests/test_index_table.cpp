// The engine's index table on its own (engine/index_table.hpp, internal to the engine): the
// allocator's tests reach it only through ids and participants, and never with indexes
// large enough to take tag bits away, nor with chosen hashes that wrap around its end.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "engine/index_table.hpp"
#include "engine/limits.hpp"

using namespace loket;

namespace {

// A fixed mixing of an index: any hash serves, the table only needs the same one each time.
std::uint32_t hash_of_index(std::uint32_t index) {
  return static_cast<std::uint32_t>((index * 0x9E3779B97F4A7C15ULL) >> 32);
}

std::uint32_t find(const IndexTable& table, std::uint32_t index, std::uint32_t hash) {
  return table.find(hash, [&](std::uint32_t other) { return other == index; });
}

}  // namespace

TEST_CASE("Index table: indexes that need more bits than the table started with") {
  IndexTable table(100);  // starts with 8 tag bits: indexes below 2^24 - 1
  std::vector<std::uint32_t> indexes;
  for (std::uint32_t index = 0; index < 50; ++index) indexes.push_back(index);
  for (std::uint32_t index : {std::uint32_t{1} << 24, std::uint32_t{1} << 25,
                              static_cast<std::uint32_t>(limits::applications_max - 1)}) {
    indexes.push_back(index);
  }
  for (std::uint32_t index : indexes) {
    REQUIRE(find(table, index, hash_of_index(index)) == IndexTable::not_found);
    const auto lookup = table.lookup(hash_of_index(index), [](std::uint32_t) { return false; });
    table.insert_at(lookup, index, hash_of_index);
  }
  CHECK(table.size() == indexes.size());
  for (std::uint32_t index : indexes) CHECK(find(table, index, hash_of_index(index)) == index);
}

TEST_CASE("Index table: erasing in a probe run that wraps around the end") {
  IndexTable table(8);  // 16 slots
  // Hashes near 2^32 have their home in the last slot: the run wraps to slots 0, 1, ...
  const auto hash_near_end = [](std::uint32_t index) { return UINT32_MAX - index; };
  for (std::uint32_t index = 0; index < 6; ++index)
    table.insert(hash_near_end(index), index, hash_near_end);
  table.erase(hash_near_end(1), 1, hash_near_end);
  table.erase(hash_near_end(4), 4, hash_near_end);
  for (std::uint32_t index = 0; index < 6; ++index) {
    const bool erased = index == 1 || index == 4;
    CHECK(find(table, index, hash_near_end(index)) == (erased ? IndexTable::not_found : index));
  }
  CHECK(table.size() == 4);
}
