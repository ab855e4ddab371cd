// The words and number formats of the auditor's report, in English and in Dutch: the report
// is read at the ministry, and printed. Each phrase is one row holding both languages, so a
// translation cannot go missing unseen (a test checks that none is empty).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/types.hpp"

namespace loket {

enum class ReportLanguage : std::uint8_t { en = 0, nl = 1 };

std::optional<ReportLanguage> report_language_from(std::string_view code);  // "en" | "nl"

// Phrases with {names} are fmt format strings; their arguments are named in the table.
enum class Phrase : std::uint8_t {
  html_lang,
  title,
  intro,
  about,
  made_at,
  version,
  scheme_file,
  journal_head,
  journal_format,
  verified,
  not_verified,
  check_with,
  summary,
  applications,
  granted,
  rejected,
  summary_note,
  opened,
  first_submission,
  cap_reached,
  after_opening,
  first_turned_away,
  not_reached,
  scheme,
  budgets,
  filling,
  outcomes,
  monitoring,
  draws,
  transfers,
  appeals,
  ranked_lists,
  tree,
  tranche,
  compartment,
  band,
  budget,
  transfers_in_out,
  granted_within_cap,
  granted_on_appeal,
  remaining,
  unmet,
  closed,
  yes,
  no,
  opens,
  closes,
  cap,
  ranking,
  fit,
  spillover,
  reason,
  rule,
  meaning,
  attribute,
  value,
  count,
  share,
  grant_rate,
  all_applications,
  seq,
  from,
  to,
  amount,
  application,
  reference,
  one_place,
  none,
  places,
  fill_caption,
  rate_caption,
  since_first,
  per_bin,
  monitoring_note,
  draws_none,
  draw_line,
  rederive,
  tree_text,
  checkpoint_pins,
  checkpoint_all,
  checkpoint_after,
  checkpoint_check,
  no_checkpoint,
  tree_problem,
  scheme_id,
  time_zone,
  unique_per,
  partnership_required,
  cofinancing,
  rank_order,
  draw_day,
  draw_close,
  outside_chart,
  euros,
  euro_millions,
  carry_overs,
  carried_in_out,
  budget_with_carry_over,
  carry_over_to,
  count_  // the number of phrases, not a phrase
};
inline constexpr std::size_t phrase_count = static_cast<std::size_t>(Phrase::count_);

std::string_view phrase_text(ReportLanguage language, Phrase phrase);

std::string_view outcome_text(ReportLanguage language, Outcome outcome);

// What a reason means and the rule of docs/rules.md that gives it ("R5"). An unknown reason
// (a journal of a later version) has an empty rule and its own text as meaning.
struct ReasonRule {
  std::string_view rule;
  std::string_view meaning;
};
ReasonRule reason_rule(ReportLanguage language, std::string_view reason);

// Numbers as the language writes them. Every int64, INT64_MIN and INT64_MAX included.
std::string grouped(ReportLanguage language, std::int64_t number);    // 1,234 | 1.234
std::string euros_text(ReportLanguage language, std::int64_t cents);  // EUR 1,234.56 | € 1.234,56
std::string percent_text(ReportLanguage language, std::uint64_t part, std::uint64_t whole);
// 2 d 3 h 4 min 5.678 s; the seconds to the millisecond. Negative as "-" and the magnitude.
std::string duration_text(ReportLanguage language, std::int64_t nanoseconds);

}  // namespace loket
