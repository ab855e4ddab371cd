// The report's record of events: lottery draws (in full, in an appendix), transfers between
// compartments, carry-overs between windows, grants on appeal, and the decision tree's final
// checkpoint.
#include "app/report_page.hpp"
#include "parse/html_text.hpp"
#include "proof/checkpoint.hpp"

namespace loket {
namespace {

void write_draw_line(ReportPage& page, const LotteryDraw& draw) {
  const std::string what = draw.through_day
                               ? fmt::format(fmt::runtime(page.words(Phrase::draw_day)),
                                             fmt::arg("date", format_date(*draw.through_day)))
                               : std::string(page.words(Phrase::draw_close));
  page.say(Phrase::draw_line, fmt::arg("tranche", html_escaped(draw.tranche)),
           fmt::arg("what", what), fmt::arg("at", page.local_time(draw.at)),
           fmt::arg("seed", html_escaped(draw.seed_hex)),
           fmt::arg("decided", page.count(draw.decided)));
}

void write_draws(ReportPage& page) {
  fmt::format_to(std::back_inserter(page.html), "<h2>{}</h2>", page.words(Phrase::draws));
  if (page.data.draws.empty()) {
    fmt::format_to(std::back_inserter(page.html), "<p>{}</p>", page.words(Phrase::draws_none));
    return;
  }
  for (const LotteryDraw& draw : page.data.draws) {
    page.html += "<p>";
    write_draw_line(page, draw);
    page.html += "</p>";
  }
  page.html += "<p>";
  page.say(Phrase::rederive, fmt::arg("path", html_escaped(page.data.data_path)));
  page.html += "</p>";
}

void write_transfers(ReportPage& page) {
  if (!page.section(Phrase::transfers, page.data.transfers.empty())) return;
  page.html += "<table>";
  page.header_row({Phrase::seq, Phrase::tranche, Phrase::from, Phrase::to, Phrase::amount});
  for (const TransferEntry& transfer : page.data.transfers) {
    fmt::format_to(
        std::back_inserter(page.html),
        "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td></tr>",
        transfer.sequence, html_escaped(transfer.tranche), html_escaped(transfer.from),
        html_escaped(transfer.to), page.euros(transfer.amount_cents));
  }
  page.html += "</table>";
}

// R11: each window's remainder passed to a later one, with the close's sequence.
void write_carry_overs(ReportPage& page) {
  if (!page.data.scheme.has_carry_over()) return;
  if (!page.section(Phrase::carry_overs, page.data.carry_overs.empty())) return;
  page.html += "<table id=carry-overs>";
  page.header_row({Phrase::seq, Phrase::from, Phrase::to, Phrase::amount});
  for (const CarryOverEntry& carried : page.data.carry_overs) {
    const Tranche& from = page.data.scheme.tranches.at(carried.from_index);
    fmt::format_to(std::back_inserter(page.html),
                   "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td class=n>{}</td></tr>",
                   carried.sequence, html_escaped(from.id), html_escaped(carried.to),
                   page.units(from, carried.units));
  }
  page.html += "</table>";
}

void write_appeals(ReportPage& page) {
  if (!page.section(Phrase::appeals, page.data.appeals.empty())) return;
  page.html += "<table>";
  page.header_row(
      {Phrase::seq, Phrase::tranche, Phrase::application, Phrase::amount, Phrase::reference});
  for (const AppealEntry& appeal : page.data.appeals) {
    fmt::format_to(
        std::back_inserter(page.html),
        "<tr><td class=n>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td>{}</td></tr>",
        appeal.sequence, html_escaped(appeal.tranche), html_escaped(appeal.id),
        appeal.amount_cents > 0 ? page.euros(appeal.amount_cents)
                                : std::string(page.words(Phrase::one_place)),
        html_escaped(appeal.reference));
  }
  page.html += "</table>";
}

}  // namespace

void write_events(ReportPage& page) {
  write_draws(page);
  write_transfers(page);
  write_carry_overs(page);
  write_appeals(page);
}

// The final checkpoint in full: whoever holds a published copy compares it with this one, and
// `loket audit --checkpoint` compares it with the journal.
void write_checkpoint(ReportPage& page) {
  const TreeSummary& tree = page.data.tree;
  fmt::format_to(std::back_inserter(page.html), "<h2>{}</h2>", page.words(Phrase::tree));
  if (tree.problem) {
    page.html += "<p class=bad>";
    page.say(Phrase::tree_problem, fmt::arg("what", html_escaped(*tree.problem)));
    page.html += "</p>";
  }
  page.html += "<p>";
  page.say(Phrase::tree_text, fmt::arg("decisions", page.count(tree.decisions)),
           fmt::arg("root", root_hash_text(tree.root)),
           fmt::arg("checkpoints", page.count(tree.checkpoints_journaled)));
  page.html += "</p><p>";
  if (tree.final_checkpoint.empty()) {
    page.say(Phrase::no_checkpoint);
    page.html += "</p>";
    return;
  }
  const std::uint64_t after = tree.decisions - tree.final_checkpoint_size;
  const std::string after_text =
      after == 0 ? std::string(page.words(Phrase::checkpoint_all))
                 : fmt::format(fmt::runtime(page.words(Phrase::checkpoint_after)),
                               fmt::arg("after", page.count(after)));
  page.say(Phrase::checkpoint_pins, fmt::arg("size", page.count(tree.final_checkpoint_size)),
           fmt::arg("after", after_text));
  fmt::format_to(std::back_inserter(page.html), "</p><pre id=final-checkpoint>{}</pre><p>",
                 html_escaped(tree.final_checkpoint));
  page.say(Phrase::checkpoint_check, fmt::arg("path", html_escaped(page.data.data_path)));
  page.html += "</p>";
}

// Every draw's ranking in full: an applicant finds their own place, an auditor compares the
// list with their own re-derivation.
void write_ranked_lists(ReportPage& page) {
  if (page.data.draws.empty()) return;
  fmt::format_to(std::back_inserter(page.html), "<section class=appendix><h2>{}</h2>",
                 page.words(Phrase::ranked_lists));
  for (const LotteryDraw& draw : page.data.draws) {
    page.html += "<p>";
    write_draw_line(page, draw);
    fmt::format_to(std::back_inserter(page.html), " {}</p><ol class=ranked data-tranche='{}'>",
                   page.words(Phrase::rank_order), html_escaped(draw.tranche));
    for (const std::string& id : draw.ranked) {
      fmt::format_to(std::back_inserter(page.html), "<li>{}</li>", html_escaped(id));
    }
    page.html += "</ol>";
  }
  page.html += "</section>";
}

}  // namespace loket
