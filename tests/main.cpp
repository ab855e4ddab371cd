#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// CTest splits discovered names at ';', and a half name matches no test case, which Catch2
// reports as a pass: such a test would silently never run.
TEST_CASE("Every test name survives CTest's discovery") {
  for (const Catch::TestCase& test : Catch::getRegistryHub().getTestCaseRegistry().getAllTests()) {
    INFO(test.name);
    CHECK(test.name.find(';') == std::string::npos);
  }
}
