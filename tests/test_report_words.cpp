// The report's numbers and words in English and Dutch, at the extremes of their types.
#include <catch2/catch.hpp>
#include <climits>
#include <cstdint>

#include "app/report_words.hpp"

using namespace loket;

namespace {
constexpr auto en = ReportLanguage::en;
constexpr auto nl = ReportLanguage::nl;
}  // namespace

TEST_CASE("Euros are written exactly in both languages for every int64") {
  CHECK(euros_text(en, INT64_MIN) == "EUR\u00a0-92,233,720,368,547,758.08");
  CHECK(euros_text(en, INT64_MIN + 1) == "EUR\u00a0-92,233,720,368,547,758.07");
  CHECK(euros_text(en, -100000) == "EUR\u00a0-1,000.00");
  CHECK(euros_text(en, -99999) == "EUR\u00a0-999.99");
  CHECK(euros_text(en, -1) == "EUR\u00a0-0.01");
  CHECK(euros_text(en, 0) == "EUR\u00a00.00");
  CHECK(euros_text(en, 100000000) == "EUR\u00a01,000,000.00");
  CHECK(euros_text(en, INT64_MAX) == "EUR\u00a092,233,720,368,547,758.07");
  CHECK(euros_text(nl, INT64_MIN) == "€\u00a0-92.233.720.368.547.758,08");
  CHECK(euros_text(nl, -5) == "€\u00a0-0,05");
  CHECK(euros_text(nl, 7'150'000'000) == "€\u00a071.500.000,00");
  CHECK(euros_text(nl, INT64_MAX) == "€\u00a092.233.720.368.547.758,07");
}

TEST_CASE("Counts are grouped in both languages for every int64") {
  CHECK(grouped(en, 999) == "999");
  CHECK(grouped(en, 1000) == "1,000");
  CHECK(grouped(en, -1000) == "-1,000");
  CHECK(grouped(nl, 55000) == "55.000");
  CHECK(grouped(en, INT64_MIN) == "-9,223,372,036,854,775,808");
  CHECK(grouped(nl, INT64_MAX) == "9.223.372.036.854.775.807");
}

TEST_CASE("Percentages round half up to one decimal without overflow") {
  CHECK(percent_text(en, 0, 0) == "–");
  CHECK(percent_text(en, 0, 7) == "0.0 %");
  CHECK(percent_text(en, 1, 3) == "33.3 %");
  CHECK(percent_text(nl, 2, 3) == "66,7 %");
  CHECK(percent_text(en, 1, 2000) == "0.1 %");  // 0.05 rounds up
  CHECK(percent_text(en, 1, 2001) == "0.0 %");
  CHECK(percent_text(en, 7, 7) == "100.0 %");
  CHECK(percent_text(en, UINT64_MAX, UINT64_MAX) == "100.0 %");
  CHECK(percent_text(en, UINT64_MAX / 2, UINT64_MAX) == "50.0 %");
  CHECK(percent_text(en, 1, UINT64_MAX) == "0.0 %");
}

TEST_CASE("Durations read from milliseconds to days at every boundary") {
  constexpr std::int64_t millisecond = 1'000'000;
  constexpr std::int64_t second = 1000 * millisecond;
  CHECK(duration_text(en, 0) == "0.000 s");
  CHECK(duration_text(en, millisecond - 1) == "0.000 s");
  CHECK(duration_text(nl, 999 * millisecond) == "0,999 s");
  CHECK(duration_text(en, 60 * second - millisecond) == "59.999 s");
  CHECK(duration_text(en, 60 * second) == "1 min 0.000 s");
  CHECK(duration_text(en, 3600 * second) == "1 h 0 min 0.000 s");
  CHECK(duration_text(en, 86400 * second + 1500 * millisecond) == "1 d 0 h 0 min 1.500 s");
  CHECK(duration_text(en, -1500 * millisecond) == "-1.500 s");
  CHECK(duration_text(en, INT64_MAX) == "106751 d 23 h 47 min 16.854 s");
  CHECK(duration_text(en, INT64_MIN) == "-106751 d 23 h 47 min 16.854 s");
}

TEST_CASE("Every reason names its rule and meaning in both languages") {
  for (const std::string_view reason :
       {"unknown_tranche", "window_not_open", "window_closed", "invalid", "ineligible",
        "amount_out_of_bounds", "duplicate_participant", "tranche_full", "budget_exhausted",
        "appeal"}) {
    CHECK_FALSE(reason_rule(en, reason).rule.empty());
    CHECK(reason_rule(en, reason).meaning != reason_rule(nl, reason).meaning);
  }
  CHECK(reason_rule(en, "tranche_full").rule == "R5, R6");
  // A reason from a later version is shown as it is, without a rule.
  CHECK(reason_rule(nl, "carried_over").rule.empty());
  CHECK(reason_rule(nl, "carried_over").meaning == "carried_over");
}

TEST_CASE("The report's language comes from its code only") {
  CHECK(report_language_from("en") == ReportLanguage::en);
  CHECK(report_language_from("nl") == ReportLanguage::nl);
  CHECK_FALSE(report_language_from("NL"));
  CHECK_FALSE(report_language_from(""));
  CHECK_FALSE(report_language_from("de"));
  CHECK(phrase_text(nl, Phrase::summary) == "Samenvatting");
  CHECK(phrase_text(en, Phrase::summary) == "Summary");
  CHECK(outcome_text(nl, Outcome::granted) == "toegekend");
}
