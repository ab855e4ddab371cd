#include "engine/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace loket::detail {

void assert_fail(const char* expression, const char* file, int line) noexcept {
  std::fprintf(stderr, "loket: assertion failed: %s (%s:%d)\n", expression, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace loket::detail
