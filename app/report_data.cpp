#include "app/report_data.hpp"

#include <fmt/format.h>

#include <unordered_map>
#include <unordered_set>

#include "app/checkpoint_audit.hpp"
#include "engine/crypto.hpp"
#include "parse/monitoring.hpp"
#include "parse/scheme_toml.hpp"

namespace loket {
namespace {

struct Application {
  Outcome outcome = Outcome::pending;
  std::string reason;
  std::string monitoring_json;
};

class Gatherer {
 public:
  explicit Gatherer(ReportData& data)
      : data_(data),
        filling_units_(data.scheme.tranches.size()),
        carried_in_units_(data.scheme.tranches.size()) {
    data_.filling.resize(data.scheme.tranches.size());
    data_.timelines.resize(data.scheme.tranches.size());
  }

  void visit(const JournalRecord& record) {
    const Scheme& scheme = data_.scheme;
    std::string monitoring;
    if (std::holds_alternative<SubmitCommand>(record.command)) {
      monitoring = std::string(record.monitoring_json);
      data_.submission_times.push_back(record.received_at);
    }
    LotteryDraw* draw = start_draw(record);
    draw_ids_.clear();
    for (const Decision& decision : record.decisions) {
      if (decision.kind == Decision::Kind::transfer) {
        const Tranche& tranche = scheme.tranches.at(decision.tranche_index);
        data_.transfers.push_back(
            {record.sequence, tranche.id, tranche.compartments.at(decision.from_compartment).id,
             tranche.compartments.at(decision.to_compartment).id, decision.amount_cents});
        continue;
      }
      if (decision.kind == Decision::Kind::carry_over) {
        record_carry_over(record, decision);
        continue;
      }
      if (decision.application_id.empty()) {
        count_unkeyed(decision);
        continue;
      }
      Application& application = applications_[std::string(decision.application_id)];
      if (!monitoring.empty()) application.monitoring_json = monitoring;
      if (decision.tranche_index < data_.scheme.tranches.size()) {
        track_timeline(record, decision);
        track_filling(record, decision, application);
      }
      application.outcome = decision.outcome;
      application.reason = std::string(to_string(decision.reason));
      if (decision.reason == Reason::appeal) record_appeal(record, decision);
      // A money draw may decide one application twice in its record (waitlisted, then
      // rejected when the budget ends): it has one place in the ranking. The same record may
      // also serve another tranche's waiting applications with a carry-over (R11): those were
      // not drawn.
      if (draw != nullptr && decision.tranche_index == draw_tranche_ &&
          decision.outcome != Outcome::pending &&
          draw_ids_.emplace(decision.application_id).second) {
        draw->decided += 1;
        draw->ranked.emplace_back(decision.application_id);
      }
    }
  }

  void finish() {
    for (const auto& [id, application] : applications_) {
      add_outcome(application.outcome, application.reason);
      for (const auto& [attribute, value] :
           read_monitoring(application.monitoring_json).counted()) {
        data_.monitoring[attribute][value][static_cast<std::size_t>(application.outcome)] += 1;
      }
    }
  }

 private:
  LotteryDraw* start_draw(const JournalRecord& record) {
    std::span<const std::uint8_t> seed;
    std::string_view tranche_id;
    std::optional<LocalDate> through_day;
    if (const auto* close_day = std::get_if<CloseDayCommand>(&record.command)) {
      seed = close_day->seed;
      tranche_id = close_day->tranche_id;
      through_day = close_day->date;
    } else if (const auto* close = std::get_if<CloseCommand>(&record.command)) {
      seed = close->seed;
      tranche_id = close->tranche_id;
    }
    const auto tranche = data_.scheme.find_tranche(tranche_id);
    if (seed.empty() || !tranche || data_.scheme.tranches[*tranche].ranking == Ranking::arrival) {
      return nullptr;  // only lottery rankings draw
    }
    draw_tranche_ = *tranche;
    data_.draws.push_back(
        {std::string(tranche_id), through_day, record.received_at, to_hex(seed), 0, {}});
    return &data_.draws.back();
  }

  void track_filling(const JournalRecord& record, const Decision& decision,
                     const Application& before) {
    const Tranche& tranche = data_.scheme.tranches.at(decision.tranche_index);
    std::int64_t& units = filling_units_[decision.tranche_index];
    if (decision.reason == Reason::appeal) return;  // outside the cap, shown apart
    const std::int64_t granted_now = tranche.counts_places
                                         ? (decision.outcome == Outcome::granted ? 1 : 0)
                                         : decision.granted_cents;
    const std::int64_t granted_before = tranche.counts_places
                                            ? (before.outcome == Outcome::granted ? 1 : 0)
                                            : last_granted_[std::string(decision.application_id)];
    if (!tranche.counts_places) last_granted_[std::string(decision.application_id)] = granted_now;
    if (granted_now == granted_before) return;
    units += granted_now - granted_before;
    data_.filling[decision.tranche_index].push_back({record.received_at, units});
    TrancheTimeline& timeline = data_.timelines[decision.tranche_index];
    const std::int64_t cap = (tranche.counts_places ? tranche.places : tranche.budget_cents) +
                             carried_in_units_[decision.tranche_index];
    if (units >= cap && !timeline.cap_reached_at) timeline.cap_reached_at = record.received_at;
  }

  void track_timeline(const JournalRecord& record, const Decision& decision) {
    TrancheTimeline& timeline = data_.timelines[decision.tranche_index];
    if (std::holds_alternative<SubmitCommand>(record.command)) {
      timeline.submissions += 1;
      if (!timeline.first_submission_at) timeline.first_submission_at = record.received_at;
      timeline.last_submission_at = record.received_at;
    }
    const bool turned_away =
        decision.reason == Reason::tranche_full || decision.reason == Reason::budget_exhausted;
    if (turned_away && !timeline.first_turned_away_at) {
      timeline.first_turned_away_at = record.received_at;
    }
  }

  void record_appeal(const JournalRecord& record, const Decision& decision) {
    const auto* appeal = std::get_if<AppealCommand>(&record.command);
    if (appeal == nullptr) return;
    data_.appeals.push_back({record.sequence, std::string(appeal->tranche_id),
                             std::string(decision.application_id), appeal->amount_cents.value_or(0),
                             std::string(appeal->reference)});
  }

  void record_carry_over(const JournalRecord& record, const Decision& decision) {
    data_.carry_overs.push_back({record.sequence, decision.tranche_index,
                                 data_.scheme.tranches.at(decision.to_tranche).id,
                                 decision.amount_cents});
    carried_in_units_.at(decision.to_tranche) += decision.amount_cents;
  }

  void count_unkeyed(const Decision& decision) {
    add_outcome(decision.outcome, std::string(to_string(decision.reason)));
  }

  void add_outcome(Outcome outcome, const std::string& reason) {
    const auto index = static_cast<std::size_t>(outcome);
    data_.outcomes[index] += 1;
    data_.outcomes_by_reason[reason.empty() ? "(none)" : reason][index] += 1;
  }

  ReportData& data_;
  std::vector<std::int64_t> filling_units_;
  std::vector<std::int64_t> carried_in_units_;  // per tranche, so far: its cap grows (R11)
  std::unordered_map<std::string, Application> applications_;
  std::unordered_map<std::string, std::int64_t> last_granted_;
  std::unordered_set<std::string_view> draw_ids_;  // decided by this record's draw
  std::size_t draw_tranche_ = 0;                   // the tranche this record's draw is of
};

}  // namespace

Result<ReportData> gather_report(const std::string& data_path) {
  JournalOpenResult opened = Journal::open(data_path, JournalOptions{{}, nullptr, true});
  if (!opened.ok()) return opened.status();
  Result<Scheme> parsed = parse_scheme(opened->journal->scheme_text(), data_path + " (header)");
  if (!parsed.ok()) return parsed.status();
  ReportData data;
  data.data_path = data_path;
  data.scheme = *parsed;
  const std::string_view scheme_text = opened->journal->scheme_text();
  data.scheme_sha256_hex = to_hex(
      sha256({reinterpret_cast<const std::uint8_t*>(scheme_text.data()), scheme_text.size()}));
  Allocator allocator(std::move(parsed).value(), AllocatorOptions{std::max<std::size_t>(
                                                     opened->journal->last_sequence(), 1024)});
  Gatherer gatherer(data);
  // No verifier key here: the report shows who signed, `loket audit --key` checks it.
  CheckpointAudit checkpoints(data.scheme, std::nullopt, {});
  ReplayOptions options;
  options.visit = [&](const JournalRecord& record) {
    gatherer.visit(record);
    checkpoints.visit(record);
    return true;
  };
  data.summary = replay_journal(*opened->journal, allocator, options);
  gatherer.finish();
  const DecisionTree& tree = checkpoints.tree();
  data.tree = {tree.size(),
               tree.tree().root(tree.size()),
               checkpoints.checkpoints_journaled(),
               tree.latest_checkpoint(),
               tree.latest_checkpoint_size(),
               checkpoints.failure()};
  for (std::size_t index = 0; index < data.scheme.tranches.size(); ++index) {
    data.tranches.push_back(allocator.tranche_status(index));
  }
  return data;
}

}  // namespace loket
