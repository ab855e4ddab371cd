#include "app/report_data.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <unordered_map>

#include "app/checkpoint_audit.hpp"
#include "parse/scheme_toml.hpp"

namespace loket {
namespace {

constexpr std::size_t ranked_ids_shown = 20;

struct Application {
  Outcome outcome = Outcome::pending;
  std::string reason;
  std::string monitoring_json;
};

class Gatherer {
 public:
  explicit Gatherer(ReportData& data) : data_(data), filling_units_(data.scheme.tranches.size()) {
    data_.filling.resize(data.scheme.tranches.size());
  }

  void visit(const JournalRecord& record) {
    const Scheme& scheme = data_.scheme;
    std::string monitoring;
    if (std::holds_alternative<SubmitCommand>(record.command)) {
      monitoring = std::string(record.monitoring_json);
    }
    LotteryDraw* draw = start_draw(record);
    for (const Decision& decision : record.decisions) {
      if (decision.kind == Decision::Kind::transfer) {
        const Tranche& tranche = scheme.tranches.at(decision.tranche_index);
        data_.transfers.push_back(
            {record.sequence, tranche.id, tranche.compartments.at(decision.from_compartment).id,
             tranche.compartments.at(decision.to_compartment).id, decision.amount_cents});
        continue;
      }
      data_.decision_times.push_back(record.received_at);
      if (decision.application_id.empty()) {
        count_unkeyed(decision);
        continue;
      }
      Application& application = applications_[std::string(decision.application_id)];
      if (!monitoring.empty()) application.monitoring_json = monitoring;
      if (decision.tranche_index < data_.scheme.tranches.size()) {
        track_filling(record, decision, application);
      }
      application.outcome = decision.outcome;
      application.reason = std::string(to_string(decision.reason));
      if (decision.reason == Reason::appeal) record_appeal(record, decision);
      if (draw != nullptr && decision.outcome != Outcome::pending) {
        draw->decided += 1;
        if (draw->first_ranked.size() < ranked_ids_shown) {
          draw->first_ranked.emplace_back(decision.application_id);
        }
      }
    }
  }

  void finish() {
    for (const auto& [id, application] : applications_) {
      add_outcome(application.outcome, application.reason);
      if (application.monitoring_json.empty()) continue;
      boost::system::error_code error;
      const auto value = boost::json::parse(application.monitoring_json, error);
      if (error || !value.is_object()) continue;
      for (const auto& [key, attribute] : value.as_object()) {
        const std::string text = attribute.is_string() ? std::string(attribute.as_string())
                                                       : boost::json::serialize(attribute);
        data_.monitoring[fmt::format("{}={}", std::string_view(key), text)]
                        [static_cast<std::size_t>(application.outcome)] += 1;
      }
    }
  }

 private:
  LotteryDraw* start_draw(const JournalRecord& record) {
    std::span<const std::uint8_t> seed;
    std::string_view tranche_id;
    std::string what;
    if (const auto* close_day = std::get_if<CloseDayCommand>(&record.command)) {
      seed = close_day->seed;
      tranche_id = close_day->tranche_id;
      what = "days through " + format_date(close_day->date);
    } else if (const auto* close = std::get_if<CloseCommand>(&record.command)) {
      seed = close->seed;
      tranche_id = close->tranche_id;
      what = "close";
    }
    const auto tranche = data_.scheme.find_tranche(tranche_id);
    if (seed.empty() || !tranche || data_.scheme.tranches[*tranche].ranking == Ranking::arrival) {
      return nullptr;  // only lottery rankings draw
    }
    data_.draws.push_back({std::string(tranche_id), what, record.received_at, to_hex(seed), 0, {}});
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
  }

  void record_appeal(const JournalRecord& record, const Decision& decision) {
    const auto* appeal = std::get_if<AppealCommand>(&record.command);
    if (appeal == nullptr) return;
    data_.appeals.push_back({record.sequence, std::string(appeal->tranche_id),
                             std::string(decision.application_id), appeal->amount_cents.value_or(0),
                             std::string(appeal->reference)});
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
  std::unordered_map<std::string, Application> applications_;
  std::unordered_map<std::string, std::int64_t> last_granted_;
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
