#include <catch2/catch.hpp>
#include <climits>
#include <string>

#include "parse/monitoring.hpp"

namespace loket {

TEST_CASE("An age falls in its band at each bound and at the extremes") {
  CHECK(age_band("0") == "0-24");
  CHECK(age_band("24") == "0-24");
  CHECK(age_band("25") == "25-34");
  CHECK(age_band("34") == "25-34");
  CHECK(age_band("35") == "35-44");
  CHECK(age_band("44") == "35-44");
  CHECK(age_band("45") == "45-54");
  CHECK(age_band("54") == "45-54");
  CHECK(age_band("55") == "55+");
  CHECK(age_band(std::to_string(LLONG_MAX)) == "55+");
  CHECK(age_band("-1").empty());
  CHECK(age_band(std::to_string(LLONG_MIN)).empty());
  // Not a whole, non-negative number of years: no band (the age itself is kept elsewhere).
  CHECK(age_band("45-54").empty());
  CHECK(age_band("99999999999999999999").empty());
  CHECK(age_band("4.5").empty());
  CHECK(age_band("").empty());
}

TEST_CASE("Monitoring attributes keep their order and count an age as its band") {
  const MonitoringAttributes read =
      read_monitoring(R"({"education":"mbo2","age":37,"sector":"zorg","shoe":{"size":44}})");
  REQUIRE(read.attributes.size() == 4);
  CHECK(read.attributes[0] == std::pair<std::string, std::string>{"education", "mbo2"});
  CHECK(read.attributes[1] == std::pair<std::string, std::string>{"age", "37"});
  CHECK(read.age_group() == "35-44");
  CHECK(read.value_of("sector") == "zorg");
  CHECK(read.value_of("shoe") == R"({"size":44})");
  CHECK(read.value_of("absent").empty());
  CHECK(read_monitoring(R"({"age_group":"45-54"})").value_of("age_group") == "45-54");
}

TEST_CASE("Each monitoring attribute is counted once and an age given beside a group is kept") {
  using Counted = std::vector<std::pair<std::string, std::string>>;
  CHECK(read_monitoring(R"({"age":37,"sector":"zorg"})").counted() ==
        Counted{{"age_group", "35-44"}, {"sector", "zorg"}});
  // The group as given wins; the age is counted as itself, each table once.
  const MonitoringAttributes both = read_monitoring(R"({"age":37,"age_group":"45-54"})");
  CHECK(both.age_group() == "45-54");
  CHECK(both.counted() == Counted{{"age", "37"}, {"age_group", "45-54"}});
  // An age that has no band is counted as given, not dropped.
  CHECK(read_monitoring(R"({"age":-3})").counted() == Counted{{"age", "-3"}});
  CHECK(read_monitoring(R"({"age":-3})").age_group().empty());
  CHECK(read_monitoring(R"({"age":"veertig"})").counted() == Counted{{"age", "veertig"}});
}

TEST_CASE("Monitoring that is not a JSON object reads as no attributes") {
  CHECK(read_monitoring("").attributes.empty());
  CHECK(read_monitoring("[1,2]").attributes.empty());
  CHECK(read_monitoring("{").attributes.empty());
  CHECK(read_monitoring("\"text\"").attributes.empty());
  CHECK(read_monitoring("{").not_an_object);
  CHECK(read_monitoring("[1,2]").not_an_object);
  CHECK_FALSE(read_monitoring("").not_an_object);
  CHECK_FALSE(read_monitoring("{}").not_an_object);
}

}  // namespace loket
