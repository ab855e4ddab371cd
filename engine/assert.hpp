// Invariant checks that stay on in every build. A failed LOKET_ASSERT is a programmer error:
// the process stops at once rather than hand out money on a corrupted state. Expected
// operating errors (bad input, a full tranche) are values, never assertions.
#pragma once

namespace loket::detail {
[[noreturn]] void assert_fail(const char* expression, const char* file, int line) noexcept;
}

#define LOKET_ASSERT(expression)                                     \
  do {                                                               \
    if (!(expression)) [[unlikely]]                                  \
      ::loket::detail::assert_fail(#expression, __FILE__, __LINE__); \
  } while (false)

#define LOKET_UNREACHABLE() ::loket::detail::assert_fail("unreachable", __FILE__, __LINE__)
