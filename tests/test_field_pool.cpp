// The I/O threads' free lists for header fields (net/field_pool.hpp): a freed block is
// reused by the next of its size class, blocks of any size and from any thread are taken
// back, and Beast's fields work on them.
#include <boost/beast/http/message.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <thread>
#include <vector>

#include "net/field_pool.hpp"

namespace loket::testing {

TEST_CASE("A freed field block is reused by the next of its size class and by no other", "[unit]") {
  void* first = field_pool::allocate(40);
  std::memset(first, 0xab, 40);
  field_pool::deallocate(first, 40);
  void* again = field_pool::allocate(64);  // the same 64-byte class: the same block
  CHECK(again == first);
  void* larger = field_pool::allocate(65);  // the next class
  CHECK(larger != first);
  // Sizes at the edges: nothing, the largest class, and one past it (the heap's).
  for (const std::size_t bytes :
       {std::size_t{0}, std::size_t{1}, std::size_t{512}, std::size_t{513}, std::size_t{8192}}) {
    void* block = field_pool::allocate(bytes);
    std::memset(block, 0, bytes);
    field_pool::deallocate(block, bytes);
  }
  field_pool::deallocate(again, 64);
  field_pool::deallocate(larger, 65);
}

TEST_CASE("Field blocks freed on another thread or past a list's limit go back", "[unit]") {
  std::vector<void*> blocks;
  for (int index = 0; index < 1000; ++index) blocks.push_back(field_pool::allocate(100));
  std::thread other([&] {
    for (void* block : blocks) field_pool::deallocate(block, 100);
  });
  other.join();  // its lists, past their limit, gave the rest to the heap; then it ended
  // Beast's fields on the pool: set, find, erase and copy.
  RequestFields fields;
  fields.set("Content-Type", "application/json");
  fields.set("X-Long", std::string(4000, 'v'));
  fields.erase("Content-Type");
  const RequestFields copied = fields;
  CHECK(copied["X-Long"].size() == 4000);
  CHECK(copied.find("Content-Type") == copied.end());
}

}  // namespace loket::testing
