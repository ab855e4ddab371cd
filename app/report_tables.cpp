// The report's tables: the scheme, budgets, outcomes with their rules, monitoring.
#include "app/report_page.hpp"
#include "parse/html_text.hpp"

namespace loket {
namespace {

void scheme_tranche_row(ReportPage& page, const Tranche& tranche) {
  fmt::format_to(std::back_inserter(page.html),
                 "<tr><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td>{}</td><td>{}</td>"
                 "<td>{}</td>",
                 html_escaped(tranche.id), page.local_time(tranche.opens_at),
                 page.local_time(tranche.closes_at),
                 page.units(tranche, tranche.counts_places ? tranche.places : tranche.budget_cents),
                 to_string(tranche.ranking), tranche.counts_places ? "" : to_string(tranche.fit),
                 tranche.counts_places ? "" : to_string(tranche.spillover));
  if (page.data.scheme.has_carry_over()) {
    fmt::format_to(std::back_inserter(page.html), "<td>{}</td>",
                   tranche.carry_over_to
                       ? html_escaped(page.data.scheme.tranches.at(*tranche.carry_over_to).id)
                       : "");
  }
  page.html += "</tr>";
}

// R11, only for a scheme with windows that carry over: the budget as configured, what came in from
// earlier windows and went to a later one, and the budget that results.
void carry_over_cells(ReportPage& page, const Tranche& tranche, const PoolStatus& figures) {
  if (!page.data.scheme.has_carry_over()) return;
  fmt::format_to(std::back_inserter(page.html), "<td class=n>{} / {}</td><td class=n>{}</td>",
                 page.units(tranche, figures.carried_in_units),
                 page.units(tranche, figures.carried_out_units),
                 page.units(tranche, figures.capacity_units + figures.carried_in_units -
                                         figures.carried_out_units));
}

void budget_row(ReportPage& page, const Tranche& tranche, const TrancheStatus& status,
                std::size_t pool) {
  const PoolStatus& figures = status.pools[pool];
  const Compartment* compartment = tranche.counts_places ? nullptr : &tranche.compartments[pool];
  const std::string band = compartment == nullptr || compartment->id.empty()
                               ? ""
                               : fmt::format("{} – {}", page.euros(compartment->min_cents),
                                             page.euros(compartment->max_cents));
  fmt::format_to(std::back_inserter(page.html),
                 "<tr><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td>",
                 html_escaped(tranche.id), compartment ? html_escaped(compartment->id) : "", band,
                 page.units(tranche, figures.capacity_units));
  carry_over_cells(page, tranche, figures);
  fmt::format_to(std::back_inserter(page.html),
                 "<td class=n>{} / {}</td>"
                 "<td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td>"
                 "<td>{}</td></tr>",
                 page.units(tranche, figures.transferred_in_units),
                 page.units(tranche, figures.transferred_out_units),
                 page.units(tranche, figures.granted_units),
                 page.units(tranche, figures.appeal_granted_units),
                 page.units(tranche, figures.remaining_units),
                 tranche.counts_places ? "" : page.units(tranche, figures.unmet_units),
                 page.words(status.closed ? Phrase::yes : Phrase::no));
}

void outcome_cells(ReportPage& page, const std::array<std::uint64_t, outcome_count>& counts) {
  for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count; ++outcome) {
    fmt::format_to(std::back_inserter(page.html), "<td class=n>{}</td>",
                   page.count(counts[outcome]));
  }
}

void outcome_headers(ReportPage& page) {
  for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count; ++outcome) {
    fmt::format_to(std::back_inserter(page.html), "<th>{}</th>",
                   outcome_text(page.settings.language, static_cast<Outcome>(outcome)));
  }
}

// One attribute's table: per value its applications, their share and how many were granted.
void monitoring_table(ReportPage& page, std::string_view attribute,
                      const MonitoringCounts& values) {
  const ReportLanguage language = page.settings.language;
  std::uint64_t attribute_total = 0;
  for (const auto& [value, counts] : values) {
    for (const std::uint64_t count : counts) attribute_total += count;
  }
  fmt::format_to(std::back_inserter(page.html), "<h3>{}</h3><table data-attribute='{}'>",
                 html_escaped(attribute), html_escaped(attribute));
  page.header_row(
      {Phrase::value, Phrase::count, Phrase::share, Phrase::granted, Phrase::grant_rate});
  for (const auto& [value, counts] : values) {
    std::uint64_t total = 0;
    for (const std::uint64_t count : counts) total += count;
    const std::uint64_t granted = counts[static_cast<std::size_t>(Outcome::granted)];
    fmt::format_to(std::back_inserter(page.html),
                   "<tr data-value='{}'><td>{}</td><td class=n data-count={}>{}</td><td "
                   "class=n>{}</td><td class=n data-granted={}>{}</td><td class=n>{}</td></tr>",
                   html_escaped(value), html_escaped(value), total, page.count(total),
                   percent_text(language, total, attribute_total), granted, page.count(granted),
                   percent_text(language, granted, total));
  }
  page.html += "</table>";
}

}  // namespace

void write_scheme(ReportPage& page) {
  const Scheme& scheme = page.data.scheme;
  fmt::format_to(
      std::back_inserter(page.html),
      "<h2>{}</h2><table><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>"
      "<tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>"
      "<tr><th>{}</th><td>{}</td></tr></table><table>",
      page.words(Phrase::scheme), page.words(Phrase::scheme_id), html_escaped(scheme.id),
      page.words(Phrase::time_zone), to_string(scheme.time_zone), page.words(Phrase::unique_per),
      to_string(scheme.unique_participant), page.words(Phrase::partnership_required),
      page.words(scheme.requires_partnership ? Phrase::yes : Phrase::no),
      page.words(Phrase::cofinancing),
      scheme.cofinancing_percent ? fmt::format("{} %", *scheme.cofinancing_percent) : "–");
  std::vector<Phrase> columns = {Phrase::tranche, Phrase::opens, Phrase::closes,   Phrase::cap,
                                 Phrase::ranking, Phrase::fit,   Phrase::spillover};
  if (scheme.has_carry_over()) columns.push_back(Phrase::carry_over_to);
  page.header_row(columns);
  for (const Tranche& tranche : scheme.tranches) scheme_tranche_row(page, tranche);
  page.html += "</table>";
}

void write_budgets(ReportPage& page) {
  fmt::format_to(std::back_inserter(page.html), "<h2>{}</h2><table id=budgets>",
                 page.words(Phrase::budgets));
  std::vector<Phrase> columns = {Phrase::tranche, Phrase::compartment, Phrase::band,
                                 Phrase::budget};
  if (page.data.scheme.has_carry_over()) {
    columns.insert(columns.end(), {Phrase::carried_in_out, Phrase::budget_with_carry_over});
  }
  columns.insert(columns.end(),
                 {Phrase::transfers_in_out, Phrase::granted_within_cap, Phrase::granted_on_appeal,
                  Phrase::remaining, Phrase::unmet, Phrase::closed});
  page.header_row(columns);
  for (std::size_t index = 0; index < page.data.tranches.size(); ++index) {
    const TrancheStatus& status = page.data.tranches[index];
    for (std::size_t pool = 0; pool < status.pools.size(); ++pool) {
      budget_row(page, page.data.scheme.tranches[index], status, pool);
    }
  }
  page.html += "</table>";
}

// Outcomes by reason, each reason with what it means and the rule of docs/rules.md behind it.
void write_outcomes(ReportPage& page) {
  fmt::format_to(std::back_inserter(page.html),
                 "<h2>{}</h2><table id=outcomes><tr><th>{}</th>"
                 "<th>{}</th><th>{}</th>",
                 page.words(Phrase::outcomes), page.words(Phrase::reason), page.words(Phrase::rule),
                 page.words(Phrase::meaning));
  outcome_headers(page);
  page.html += "</tr>";
  for (const auto& [reason, counts] : page.data.outcomes_by_reason) {
    const ReasonRule rule = reason_rule(page.settings.language, reason);
    fmt::format_to(std::back_inserter(page.html),
                   "<tr data-reason='{}'><td><code>{}</code></td><td>{}</td><td>{}</td>",
                   html_escaped(reason), html_escaped(reason),
                   rule.rule.empty() ? "" : fmt::format("docs/rules.md, {}", rule.rule),
                   html_escaped(rule.meaning));
    outcome_cells(page, counts);
    page.html += "</tr>";
  }
  fmt::format_to(std::back_inserter(page.html), "<tr class=total><td colspan=3>{}</td>",
                 page.words(Phrase::all_applications));
  outcome_cells(page, page.data.outcomes);
  page.html += "</tr></table>";
}

void write_monitoring(ReportPage& page) {
  if (page.data.monitoring.empty()) return;
  fmt::format_to(std::back_inserter(page.html), "<h2>{}</h2><p>{}</p>",
                 page.words(Phrase::monitoring), page.words(Phrase::monitoring_note));
  for (const auto& [attribute, values] : page.data.monitoring) {
    monitoring_table(page, attribute, values);
  }
}

}  // namespace loket
