// Scheme files: the shipped ones load with the figures they cite; bad ones fail naming the
// file, the line, the key and what is wrong.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "app/file_text.hpp"
#include "engine/limits.hpp"
#include "parse/scheme_toml.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;

namespace {

Scheme shipped(const std::string& name) {
  const std::string path = loket::testing::source_path("schemes/" + name);
  const Result<std::string> text = read_file_text(path, limits::scheme_file_bytes_max);
  INFO(text.status().message());
  REQUIRE(text.ok());
  Result<Scheme> result = parse_scheme(*text, path);
  INFO(result.status().message());
  REQUIRE(result.ok());
  return std::move(result).value();
}

constexpr std::string_view valid = R"(
[scheme]
id = "s"
name = "S"
unique_participant = "scheme"
[[tranche]]
id = "m"
opens_at = 2021-03-01T09:00:00+01:00
closes_at = "2021-04-01T08:00:00Z"
budget_cents = 1000
ranking = "arrival"
fit = "partial"
spillover = "at_close"
[[tranche.compartment]]
id = "small"
share_percent = 20
min_cents = 1
max_cents = 100
[[tranche.compartment]]
id = "large"
share_percent = 80
min_cents = 100
max_cents = 1000
)";

std::string error_of(std::string text) {
  const Result<Scheme> result = parse_scheme(text, "bad.toml");
  REQUIRE_FALSE(result.ok());
  return result.status().message();
}

std::string with(std::string_view from, std::string_view to) {
  std::string text(valid);
  const auto position = text.find(from);
  REQUIRE(position != std::string::npos);
  return text.replace(position, from.size(), to);
}

}  // namespace

TEST_CASE("The shipped schemes load with the figures they cite") {
  const Scheme advice = shipped("ontwikkeladvies.toml");
  REQUIRE(advice.tranches.size() == 2);
  CHECK(advice.tranches[0].places == 22000);
  CHECK(advice.tranches[1].places == 55000);
  CHECK(advice.tranches[1].opens_at == *parse_rfc3339("2020-12-01T08:00:00Z"));

  const Scheme sector = shipped("sectoraal-maatwerk-2021.toml");
  const Tranche& tranche = sector.tranches.at(0);
  CHECK(tranche.budget_cents == 7'150'000'000);
  REQUIRE(tranche.compartments.size() == 2);
  CHECK(tranche.compartments[0].budget_cents == 1'430'000'000);
  CHECK(tranche.compartments[1].budget_cents == 5'720'000'000);
  CHECK(tranche.compartments[0].max_cents == 100'000'000);
  CHECK(sector.cofinancing_percent == 20);
  CHECK(sector.requires_partnership);
  CHECK(sector.unit_subsidy_cents[0] == 56000);
  CHECK(sector.unit_subsidy_cents[6] == 100000);

  const Scheme rehearsal = shipped("rehearsal.toml");
  CHECK(rehearsal.tranches.at(0).places == advice.tranches[1].places);
  CHECK(rehearsal.tranches.at(0).opens_at == advice.tranches[1].opens_at);

  // R11: three STAP windows, each carrying into the next; each opens as the previous closes.
  const Scheme stap = shipped("stap-tijdvakken-2023.toml");
  REQUIRE(stap.tranches.size() == 3);
  CHECK(stap.tranches[0].carry_over_to == std::size_t{1});
  CHECK(stap.tranches[1].carry_over_to == std::size_t{2});
  CHECK_FALSE(stap.tranches[2].carry_over_to);
  CHECK(stap.tranches[1].opens_at == stap.tranches[0].closes_at);
  CHECK(stap.tranches[2].opens_at == stap.tranches[1].closes_at);

  const Scheme lottery = shipped("loting-voorbeeld.toml");
  CHECK(lottery.tranches.at(0).ranking == Ranking::window_lottery);
  CHECK(lottery.tranches.at(1).ranking == Ranking::same_day_lottery);
}

TEST_CASE("A bad scheme file names the file, line, key and problem") {
  CHECK(parse_scheme(valid, "ok.toml").ok());
  CHECK(error_of(with("budget_cents = 1000", "budget_cent = 1000")) ==
        "bad.toml:10: tranche[1].budget_cent: unknown key");
  CHECK(error_of(with("budget_cents = 1000", "budget_cents = -1")) ==
        "bad.toml:10: tranche[1].budget_cents: must be between 1 and 1000000000000, got -1");
  CHECK(error_of(with("share_percent = 80", "share_percent = 70")) ==
        "bad.toml:14: tranche[1].compartment: share_percent values must add up to 100");
  CHECK(error_of(with("min_cents = 100\n", "min_cents = 99\n")) ==
        "bad.toml:14: tranche[1].compartment: bands of \"small\" and \"large\" overlap");
  CHECK(error_of(with("fit = \"partial\"", "fit = \"some\"")) ==
        "bad.toml:12: tranche[1].fit: must be one of \"partial\", \"skip\", \"block\"");
  CHECK(error_of(with("closes_at = \"2021-04-01T08:00:00Z\"", "closes_at = 2021-04-01T08:00:00")) ==
        "bad.toml:9: tranche[1].closes_at: needs a UTC offset (Z or +01:00)");
  // Found by the scheme fuzzer: a year past 2262 overflowed the nanoseconds (UB).
  CHECK(
      error_of(with("closes_at = \"2021-04-01T08:00:00Z\"", "closes_at = 3009-04-01T08:00:00Z")) ==
      "bad.toml:9: tranche[1].closes_at: must be an RFC 3339 date-time with offset, in the "
      "years 1900-2200");
  const Result<Scheme> fraction = parse_scheme(
      with("closes_at = \"2021-04-01T08:00:00Z\"", "closes_at = 2021-04-01T10:00:00.5+02:00"),
      "ok.toml");
  REQUIRE(fraction.ok());
  CHECK(fraction->tranches[0].closes_at == *parse_rfc3339("2021-04-01T08:00:00.5Z"));
  CHECK(error_of(
            with("closes_at = \"2021-04-01T08:00:00Z\"", "closes_at = \"2021-03-01T08:00:00Z\"")) ==
        "bad.toml:9: tranche[1].closes_at: must be later than opens_at");
  CHECK(error_of(with("budget_cents = 1000", "places = 5")) ==
        "bad.toml:12: tranche[1].fit: applies only to a money tranche (budget_cents); a place is "
        "indivisible");
  CHECK(error_of(with("budget_cents = 1000", "places = 5\nbudget_cents = 5")) ==
        "bad.toml:6: tranche[1]: needs exactly one of places and budget_cents");
  CHECK(error_of(with("name = \"S\"\n", "")) == "bad.toml:2: scheme.name: missing");
  CHECK(error_of(with("id = \"large\"", "id = \"small\"")) ==
        "bad.toml:20: tranche[1].compartment[2].id: \"small\" is used twice");
  CHECK(error_of(with("unique_participant = \"scheme\"", "unique_participant = \"person\"")) ==
        "bad.toml:5: scheme.unique_participant: must be one of \"scheme\", \"tranche\"");
  CHECK(error_of(with("id = \"m\"", "id = \"m m\"")) ==
        "bad.toml:7: tranche[1].id: may contain only letters, digits, '-', '_' and '.'");
  CHECK(error_of("[scheme\n").starts_with("bad.toml:1: "));
}

TEST_CASE("R11: a bad carry_over_to names the file, line, key and problem") {
  // `valid`'s tranche m closes at 2021-04-01T08:00:00Z; two later windows follow it.
  const auto windows = [](std::string_view carry_over, std::string_view later_opens_at) {
    std::string text =
        with("spillover = \"at_close\"", fmt::format("spillover = \"at_close\"\n{}", carry_over));
    text += fmt::format(R"(
[[tranche]]
id = "later"
opens_at = "{}"
closes_at = "2021-06-01T08:00:00Z"
budget_cents = 500
ranking = "arrival"
fit = "partial"
spillover = "none"
[[tranche]]
id = "places"
opens_at = "2021-04-01T08:00:00Z"
closes_at = "2021-06-01T08:00:00Z"
places = 5
ranking = "arrival"
)",
                        later_opens_at);
    return text;
  };
  constexpr std::string_view at_close = "2021-04-01T08:00:00Z";
  const Result<Scheme> at_limit = parse_scheme(windows("carry_over_to = \"later\"", at_close), "");
  INFO(at_limit.status().message());
  REQUIRE(at_limit.ok());
  CHECK(at_limit->tranches[0].carry_over_to == std::size_t{1});
  CHECK_FALSE(at_limit->tranches[1].carry_over_to);
  CHECK(parse_scheme(windows("carry_over_to = \"later\"", "2021-04-01T08:00:00.000000001Z"), "")
            .ok());
  CHECK(error_of(windows("carry_over_to = \"later\"", "2021-04-01T07:59:59.999999999Z")) ==
        "bad.toml:14: tranche[1].carry_over_to: \"later\" opens before this tranche closes; it "
        "must open at or after 2021-04-01T08:00:00.000000000Z");
  CHECK(error_of(windows("carry_over_to = \"nowhere\"", at_close)) ==
        "bad.toml:14: tranche[1].carry_over_to: names no tranche of this scheme: \"nowhere\"");
  CHECK(error_of(windows("carry_over_to = \"m\"", at_close)) ==
        "bad.toml:14: tranche[1].carry_over_to: names the tranche itself");
  CHECK(error_of(windows("carry_over_to = \"places\"", at_close)) ==
        "bad.toml:14: tranche[1].carry_over_to: \"places\" counts places and this tranche "
        "money: only the same kind carries over");
  CHECK(error_of(windows("carry_over_to = 2", at_close)) ==
        "bad.toml:14: tranche[1].carry_over_to: must be a string");
  CHECK(error_of(windows("carry_over_to = \"\"", at_close)) ==
        "bad.toml:14: tranche[1].carry_over_to: must not be empty");
}

TEST_CASE("R11: windows close in closes_at order whatever their order in the file") {
  Scheme scheme;
  for (const auto& [id, closes_at] : std::initializer_list<std::pair<const char*, TimestampNs>>{
           {"w3", 30}, {"w1", 10}, {"w2", 20}, {"also-w1", 10}}) {
    Tranche tranche;
    tranche.id = id;
    tranche.closes_at = closes_at;
    scheme.tranches.push_back(tranche);
  }
  // Ties keep the file's order.
  CHECK(closing_order(scheme) == std::vector<std::size_t>{1, 3, 2, 0});
}
