#include "app/report_words.hpp"

#include <fmt/format.h>

#include <array>

#include "storage/csv.hpp"

namespace loket {
namespace {

struct PhraseRow {
  Phrase phrase;
  std::string_view english;
  std::string_view dutch;
};

// In Phrase's order; a test checks both that and that no text is empty.
constexpr PhraseRow phrase_rows[] = {
    {Phrase::html_lang, "en", "nl"},
    {Phrase::title, "Allocation report", "Verdelingsrapport"},
    {Phrase::intro, "Allocation report for the journal in <code>{path}</code>.",
     "Verdelingsrapport van het journaal in <code>{path}</code>."},
    {Phrase::about, "About this report", "Over dit rapport"},
    {Phrase::made_at, "made at", "gemaakt op"},
    {Phrase::version, "loket version", "loket-versie"},
    {Phrase::scheme_file, "scheme file (SHA-256)", "regelingsbestand (SHA-256)"},
    {Phrase::journal_head, "journal head (SHA-256)", "laatste journaalhash (SHA-256)"},
    {Phrase::journal_format, "journal format version", "versie journaalformaat"},
    {Phrase::verified,
     "Verified: {records} records, sequence 1 to {last} without gaps, every checksum and the "
     "hash chain intact, every decision re-derived by the allocator and equal.",
     "Geverifieerd: {records} records, volgnummer 1 tot en met {last} zonder gaten, elke "
     "controlesom en de hashketen intact, elk besluit opnieuw afgeleid en gelijk."},
    {Phrase::not_verified,
     "The journal does NOT verify: record {sequence}: {what}. The figures below cover records 1 "
     "to {last} only.",
     "Het journaal klopt NIET: record {sequence}: {what}. De cijfers hieronder gaan alleen over "
     "records 1 tot en met {last}."},
    {Phrase::check_with, "Anyone with the journal can check this report with {command}.",
     "Wie het journaal heeft, controleert dit rapport met {command}."},
    {Phrase::summary, "Summary", "Samenvatting"},
    {Phrase::applications, "submissions", "aanvragen"},
    {Phrase::granted, "granted", "toegekend"},
    {Phrase::rejected, "rejected", "afgewezen"},
    {Phrase::summary_note,
     "Final outcomes per submission; a rejection's reason and the rule behind it are listed "
     "under Outcomes.",
     "Eindresultaat per aanvraag; de reden van een afwijzing en de regel erachter staan onder "
     "Uitkomsten."},
    {Phrase::opened, "opened", "geopend"},
    {Phrase::first_submission, "first submission", "eerste aanvraag"},
    {Phrase::cap_reached, "cap reached", "plafond bereikt"},
    {Phrase::after_opening, "after opening", "na opening"},
    {Phrase::first_turned_away, "first turned away for lack of budget",
     "eerste afwijzing wegens vol budget"},
    {Phrase::not_reached, "not reached", "niet bereikt"},
    {Phrase::scheme, "The scheme", "De regeling"},
    {Phrase::budgets, "Budgets and what was granted", "Budgetten en toekenningen"},
    {Phrase::filling, "How the tranches filled", "Hoe de tranches volliepen"},
    {Phrase::outcomes, "Outcomes", "Uitkomsten"},
    {Phrase::monitoring, "Monitoring", "Monitoring"},
    {Phrase::draws, "Lottery draws", "Lotingen"},
    {Phrase::transfers, "Transfers between compartments", "Overhevelingen tussen compartimenten"},
    {Phrase::appeals, "Grants on appeal (above the cap)",
     "Toekenningen na bezwaar (boven het plafond)"},
    {Phrase::ranked_lists, "Appendix: every draw in rank order",
     "Bijlage: elke loting in volgorde van rang"},
    {Phrase::tree, "The decision tree and its final checkpoint",
     "De besluitenboom en het laatste checkpoint"},
    {Phrase::tranche, "tranche", "tranche"},
    {Phrase::compartment, "compartment", "compartiment"},
    {Phrase::band, "band", "bandbreedte"},
    {Phrase::budget, "budget", "budget"},
    {Phrase::transfers_in_out, "transfers in / out", "overgeheveld in / uit"},
    {Phrase::granted_within_cap, "granted within cap", "toegekend binnen plafond"},
    {Phrase::granted_on_appeal, "granted on appeal", "toegekend na bezwaar"},
    {Phrase::remaining, "remaining", "resterend"},
    {Phrase::unmet, "unmet demand", "onvervulde vraag"},
    {Phrase::closed, "closed", "gesloten"},
    {Phrase::yes, "yes", "ja"},
    {Phrase::no, "no", "nee"},
    {Phrase::opens, "opens", "opent"},
    {Phrase::closes, "closes", "sluit"},
    {Phrase::cap, "cap", "plafond"},
    {Phrase::ranking, "ranking", "rangorde"},
    {Phrase::fit, "fit", "passing"},
    {Phrase::spillover, "spillover", "overloop"},
    {Phrase::reason, "reason", "reden"},
    {Phrase::rule, "rule", "regel"},
    {Phrase::meaning, "meaning", "betekenis"},
    {Phrase::attribute, "attribute", "kenmerk"},
    {Phrase::value, "value", "waarde"},
    {Phrase::count, "submissions", "aanvragen"},
    {Phrase::share, "share of submissions", "aandeel van de aanvragen"},
    {Phrase::grant_rate, "granted of these", "hiervan toegekend"},
    {Phrase::all_applications, "all submissions", "alle aanvragen"},
    {Phrase::seq, "seq", "volgnr."},
    {Phrase::from, "from", "van"},
    {Phrase::to, "to", "naar"},
    {Phrase::amount, "amount", "bedrag"},
    {Phrase::application, "submission", "aanvraag"},
    {Phrase::reference, "reference", "kenmerk"},
    {Phrase::one_place, "1 place", "1 plaats"},
    {Phrase::none, "None.", "Geen."},
    {Phrase::places, "places", "plaatsen"},
    {Phrase::fill_caption,
     "Tranche {tranche}: granted within the cap, through the last submission or the moment "
     "the cap was reached ({changes} changes).",
     "Tranche {tranche}: toegekend binnen het plafond, tot de laatste aanvraag of het moment "
     "dat het plafond bereikt was ({changes} wijzigingen)."},
    {Phrase::rate_caption, "Submissions per {bin}, from the first",
     "Aanvragen per {bin}, vanaf de eerste"},
    {Phrase::since_first, "{unit} since the first submission", "{unit} sinds de eerste aanvraag"},
    {Phrase::per_bin, "submissions per {bin}", "aanvragen per {bin}"},
    {Phrase::monitoring_note,
     "Carried with submissions, never used for allocation. Per attribute: how many submissions "
     "gave each value, their share, and how many of them were granted in the end.",
     "Meegegeven met aanvragen, nooit gebruikt bij de verdeling. Per kenmerk: hoeveel aanvragen "
     "elke waarde opgaven, hun aandeel, en hoeveel daarvan uiteindelijk werden toegekend."},
    {Phrase::draws_none, "None: no tranche ranked by lottery was closed.",
     "Geen: er is geen tranche met loting gesloten."},
    {Phrase::draw_line,
     "<b>{tranche}</b>, {what}, at {at}: seed <code>{seed}</code>; {decided} "
     "decisions.",
     "<b>{tranche}</b>, {what}, op {at}: seed <code>{seed}</code>; {decided} besluiten."},
    {Phrase::rederive,
     "Anyone re-derives every draw from the journal's events: <code>loket export --data {path} "
     "--what events --out events.jsonl</code>, then <code>loket allocate --scheme SCHEME "
     "--events events.jsonl</code>; the seeds are revealed in the events and checked against "
     "their commitment (docs/rules.md, R8).",
     "Iedereen leidt elke loting opnieuw af uit de gebeurtenissen in het journaal: <code>loket "
     "export --data {path} --what events --out events.jsonl</code>, dan <code>loket allocate "
     "--scheme REGELING --events events.jsonl</code>; de seeds staan in de gebeurtenissen en "
     "worden getoetst aan hun commitment (docs/rules.md, R8)."},
    {Phrase::tree_text,
     "The journal's {decisions} decisions are the leaves of a Merkle tree (RFC 9162) with root "
     "<code>{root}</code>. {checkpoints} signed checkpoints were journaled.",
     "De {decisions} besluiten in het journaal zijn de bladeren van een Merkle-boom (RFC 9162) "
     "met wortel <code>{root}</code>. Er zijn {checkpoints} ondertekende checkpoints "
     "gejournaliseerd."},
    {Phrase::checkpoint_pins, "The final checkpoint pins the first {size} of them{after}:",
     "Het laatste checkpoint legt de eerste {size} ervan vast{after}:"},
    {Phrase::checkpoint_all, ", all", ", alle"},
    {Phrase::checkpoint_after, "; {after} decisions came after it",
     "; daarna volgden nog {after} besluiten"},
    {Phrase::checkpoint_check,
     "With a published copy of it in a file, <code>loket audit --data {path} --checkpoint FILE "
     "--key VERIFIER_KEY</code> checks its signature and that the journal still holds the tree "
     "it pins; an applicant checks their own decision against it with <code>loket "
     "verify</code> (docs/verify.md).",
     "Met een gepubliceerde kopie ervan in een bestand controleert <code>loket audit --data "
     "{path} --checkpoint BESTAND --key VERIFICATIESLEUTEL</code> de handtekening en dat het "
     "journaal de vastgelegde boom nog bevat; een aanvrager controleert het eigen besluit "
     "ertegen met <code>loket verify</code> (docs/verify.md)."},
    {Phrase::no_checkpoint, "No checkpoint was journaled: nothing outside the journal pins it.",
     "Er is geen checkpoint gejournaliseerd: niets buiten het journaal legt het vast."},
    {Phrase::tree_problem, "A journaled checkpoint does not pin the tree: {what}.",
     "Een gejournaliseerd checkpoint legt de boom niet vast: {what}."},
    {Phrase::scheme_id, "id", "id"},
    {Phrase::time_zone, "time zone", "tijdzone"},
    {Phrase::unique_per, "one holding submission per participant per",
     "één lopende aanvraag per deelnemer per"},
    {Phrase::partnership_required, "partnership required", "samenwerkingsverband vereist"},
    {Phrase::cofinancing, "co-financing", "cofinanciering"},
    {Phrase::rank_order, "In rank order:", "In volgorde van rang:"},
    {Phrase::draw_day, "days through {date}", "dagen tot en met {date}"},
    {Phrase::draw_close, "at the close", "bij de sluiting"},
    {Phrase::outside_chart, "; {count} later submissions lie beyond the chart",
     "; {count} latere aanvragen vallen buiten de grafiek"},
    {Phrase::euros, "EUR", "€"},
    {Phrase::euro_millions, "EUR million", "miljoen €"},
    {Phrase::carry_overs, "Carried over between windows (R11)",
     "Overgedragen tussen tijdvakken (R11)"},
    {Phrase::carried_in_out, "carried in / out", "overgedragen in / uit"},
    {Phrase::budget_with_carry_over, "budget with carry-over", "budget na overdracht"},
    {Phrase::carry_over_to, "carries over to", "draagt over aan"},
};
constexpr bool phrase_rows_complete() {
  if (std::size(phrase_rows) != phrase_count) return false;
  for (std::size_t index = 0; index < phrase_count; ++index) {
    const PhraseRow& row = phrase_rows[index];
    if (static_cast<std::size_t>(row.phrase) != index) return false;
    if (row.english.empty() || row.dutch.empty()) return false;
  }
  return true;
}
static_assert(phrase_rows_complete(), "one row per phrase, in Phrase's order, in both languages");

struct ReasonRow {
  std::string_view reason;
  std::string_view rule;
  std::string_view english;
  std::string_view dutch;
};

constexpr ReasonRow reason_rows[] = {
    {"unknown_tranche", "R3", "the tranche does not exist", "de tranche bestaat niet"},
    {"window_not_open", "R2", "before the tranche opened", "voordat de tranche openging"},
    {"window_closed", "R2", "after the tranche closed", "nadat de tranche sloot"},
    {"invalid", "R3", "a field of the submission is missing or malformed",
     "een veld van de aanvraag ontbreekt of is onjuist"},
    {"ineligible", "R3", "the submission does not meet the scheme's conditions",
     "de aanvraag voldoet niet aan de voorwaarden van de regeling"},
    {"amount_out_of_bounds", "R3, R6", "the amount is outside every compartment's band",
     "het bedrag valt buiten de bandbreedte van elk compartiment"},
    {"duplicate_participant", "R4", "the participant already holds a submission",
     "de deelnemer heeft al een lopende aanvraag"},
    {"tranche_full", "R5, R6", "no place or budget was left", "er was geen plaats of budget meer"},
    {"budget_exhausted", "R7", "the budget ran out before the submission's turn",
     "het budget was op voordat de aanvraag aan de beurt was"},
    {"appeal", "R9", "granted on appeal, above the cap", "toegekend na bezwaar, boven het plafond"},
    {"(none)", "", "granted, or waiting for a draw", "toegekend, of wachtend op een loting"},
};

// The text of a non-negative number with `separator` between groups of three digits.
std::string grouped_digits(std::string text, char separator) {
  const std::size_t first_digit = !text.empty() && text[0] == '-' ? 1 : 0;
  for (std::size_t digits_left = text.size() - first_digit; digits_left > 3; digits_left -= 3) {
    text.insert(first_digit + digits_left - 3, 1, separator);
  }
  return text;
}

}  // namespace

std::optional<ReportLanguage> report_language_from(std::string_view code) {
  if (code == "en") return ReportLanguage::en;
  if (code == "nl") return ReportLanguage::nl;
  return std::nullopt;
}

std::string_view phrase_text(ReportLanguage language, Phrase phrase) {
  const PhraseRow& row = phrase_rows[static_cast<std::size_t>(phrase)];
  return language == ReportLanguage::nl ? row.dutch : row.english;
}

std::string_view outcome_text(ReportLanguage language, Outcome outcome) {
  const bool dutch = language == ReportLanguage::nl;
  switch (outcome) {
    case Outcome::granted:
      return dutch ? "toegekend" : "granted";
    case Outcome::pending:
      return dutch ? "wacht op loting" : "pending";
    case Outcome::waitlisted:
      return dutch ? "wachtlijst" : "waitlisted";
    case Outcome::rejected:
      return dutch ? "afgewezen" : "rejected";
  }
  return "?";
}

ReasonRule reason_rule(ReportLanguage language, std::string_view reason) {
  for (const ReasonRow& row : reason_rows) {
    if (row.reason == reason) {
      return {row.rule, language == ReportLanguage::nl ? row.dutch : row.english};
    }
  }
  return {"", reason};
}

std::string grouped(ReportLanguage language, std::int64_t number) {
  return grouped_digits(std::to_string(number), language == ReportLanguage::nl ? '.' : ',');
}

std::string euros_text(ReportLanguage language, std::int64_t cents) {
  const std::string plain = format_euros(cents);  // exact for every int64
  const std::size_t point = plain.find('.');
  const bool dutch = language == ReportLanguage::nl;
  // A no-break space: the sign stays with its number when a narrow column wraps.
  return fmt::format("{}\u00a0{}{}{}", dutch ? "€" : "EUR",
                     grouped_digits(plain.substr(0, point), dutch ? '.' : ','), dutch ? ',' : '.',
                     plain.substr(point + 1));
}

std::string percent_text(ReportLanguage language, std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return "–";
  // One decimal, rounded half up, in integers: no double loses a count near 2^64.
  __extension__ using Wide = unsigned __int128;  // part * 1000 overflows 64 bits near 2^54
  const Wide tenths = (static_cast<Wide>(part) * 1000 + whole / 2) / whole;
  return fmt::format("{}{}{} %", static_cast<std::uint64_t>(tenths / 10),
                     language == ReportLanguage::nl ? ',' : '.',
                     static_cast<unsigned>(tenths % 10));
}

std::string duration_text(ReportLanguage language, std::int64_t nanoseconds) {
  const std::uint64_t magnitude = nanoseconds < 0
                                      ? std::uint64_t{0} - static_cast<std::uint64_t>(nanoseconds)
                                      : static_cast<std::uint64_t>(nanoseconds);
  const std::uint64_t milliseconds = magnitude / 1'000'000;
  const std::uint64_t seconds = milliseconds / 1000;
  const std::uint64_t days = seconds / 86'400;
  const std::uint64_t hours = seconds / 3600 % 24;
  const std::uint64_t minutes = seconds / 60 % 60;
  std::string text = nanoseconds < 0 ? "-" : "";
  if (days > 0) text += fmt::format("{} d ", days);
  if (days > 0 || hours > 0) text += fmt::format("{} h ", hours);
  if (seconds >= 60) text += fmt::format("{} min ", minutes);
  text += fmt::format("{}{}{:03} s", seconds % 60, language == ReportLanguage::nl ? ',' : '.',
                      milliseconds % 1000);
  return text;
}

}  // namespace loket
