#include "app/seed_audit.hpp"

#include <fmt/format.h>

#include "engine/assert.hpp"
#include "engine/civil_time.hpp"
#include "engine/lottery.hpp"

namespace loket {
namespace {

std::string draw_list(const std::vector<SeedAuditDraw>& draws) {
  std::string text;
  for (const SeedAuditDraw& draw : draws) {
    text += fmt::format("{}seq {} ({})", text.empty() ? "" : ", ", draw.sequence, draw.what);
  }
  return text;
}

}  // namespace

SeedAudit::SeedAudit(const Scheme& scheme) : scheme_(scheme), tranches_(scheme.tranches.size()) {}

void SeedAudit::visit(const JournalRecord& record) {
  if (failure_) return;
  if (const auto* commit = std::get_if<CommitSeedCommand>(&record.command)) {
    const std::optional<std::size_t> index = scheme_.find_tranche(commit->tranche_id);
    if (!index) return;  // the replay refuses it
    TrancheSeeds& seeds = tranches_[*index];
    seeds.committed_at = record.sequence;
    seeds.commitment = commit->commitment;
    seeds.draws = commit->draws;
  } else if (const auto* close_day = std::get_if<CloseDayCommand>(&record.command)) {
    check_draw(record, close_day->tranche_id, close_day->date, close_day->seed);
  } else if (const auto* close = std::get_if<CloseCommand>(&record.command)) {
    check_draw(record, close->tranche_id, std::nullopt, close->seed);
  }
}

void SeedAudit::check_draw(const JournalRecord& record, std::string_view tranche_id,
                           std::optional<LocalDate> day, std::span<const std::uint8_t> seed) {
  const std::optional<std::size_t> index = scheme_.find_tranche(tranche_id);
  if (!index || scheme_.tranches[*index].ranking == Ranking::arrival) return;
  TrancheSeeds& seeds = tranches_[*index];
  SeedAuditDraw draw{record.sequence, day ? format_date(*day) : "close"};
  if (!seeds.committed_at) {
    seeds.uncommitted.push_back(std::move(draw));
    return;
  }
  const std::optional<std::uint32_t> draw_index =
      lottery_draw_index(scheme_, scheme_.tranches[*index], day);
  const bool in_order =
      draw_index && (!seeds.last_draw_index || *draw_index > *seeds.last_draw_index);
  if (!in_order || !lottery_seed_reveals(seeds.commitment, *draw_index, seed)) {
    failure_ = fmt::format(
        "record {}: tranche {}: the seed of the draw ({}) does not reveal the secret committed "
        "at seq {}",
        record.sequence, tranche_id, draw.what, *seeds.committed_at);
    return;
  }
  seeds.last_draw_index = draw_index;
  seeds.revealed.push_back(std::move(draw));
}

std::string SeedAudit::report() const {
  std::string text;
  for (std::size_t index = 0; index < tranches_.size(); ++index) {
    const TrancheSeeds& seeds = tranches_[index];
    const std::string& id = scheme_.tranches[index].id;
    if (seeds.committed_at) {
      text += fmt::format("  lottery seed of tranche {}: committed at seq {} ({} draw{}), ", id,
                          *seeds.committed_at, seeds.draws, seeds.draws == 1 ? "" : "s");
      text += seeds.revealed.empty()
                  ? "not drawn yet\n"
                  : fmt::format("revealed at {}, verified\n", draw_list(seeds.revealed));
    }
    if (!seeds.uncommitted.empty()) {
      text += fmt::format(
          "  lottery seed of tranche {}: not committed (a seed chosen at the draw): {}\n", id,
          draw_list(seeds.uncommitted));
    }
  }
  return text;
}

}  // namespace loket
