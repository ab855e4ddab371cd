// What the auditor's report shows, gathered in one verified replay of a journal.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "engine/allocator.hpp"
#include "proof/merkle_tree.hpp"
#include "storage/replay.hpp"

namespace loket {

struct LotteryDraw {
  std::string tranche;
  std::optional<LocalDate> through_day;  // a close_day's date; none for the close
  TimestampNs at = 0;
  std::string seed_hex;
  std::uint64_t decided = 0;
  std::vector<std::string> ranked;  // every id the draw decided, in rank order
};

struct AppealEntry {
  std::uint64_t sequence = 0;
  std::string tranche;
  std::string id;
  std::int64_t amount_cents = 0;
  std::string reference;
};

struct TransferEntry {
  std::uint64_t sequence = 0;
  std::string tranche;
  std::string from;
  std::string to;
  std::int64_t amount_cents = 0;
};

// R11: what a closed window passed to a later one.
struct CarryOverEntry {
  std::uint64_t sequence = 0;
  std::size_t from_index = 0;  // the source tranche
  std::string to;
  std::int64_t units = 0;  // places or cents, as the source counts
};

struct FillPoint {
  TimestampNs at = 0;
  std::int64_t granted_units = 0;  // places or cents within the cap, cumulative
};

// When a tranche filled, for the report's summary.
struct TrancheTimeline {
  std::uint64_t submissions = 0;
  std::optional<TimestampNs> first_submission_at;
  std::optional<TimestampNs> last_submission_at;
  std::optional<TimestampNs> cap_reached_at;        // granted within the cap reached the cap
  std::optional<TimestampNs> first_turned_away_at;  // first tranche_full or budget_exhausted
};

// Final outcomes per value of one monitoring attribute: value -> counts by outcome.
using MonitoringCounts = std::map<std::string, std::array<std::uint64_t, outcome_count>>;

// The decision tree (docs/verify.md) at the end of the journal and its latest checkpoint.
struct TreeSummary {
  std::uint64_t decisions = 0;
  MerkleHash root{};
  std::uint64_t checkpoints_journaled = 0;
  std::string final_checkpoint;  // the latest journaled note; empty when there is none
  std::uint64_t final_checkpoint_size = 0;
  std::optional<std::string> problem;  // a journaled checkpoint that does not pin the tree
};

struct ReportData {
  std::string data_path;
  Scheme scheme;
  std::string scheme_sha256_hex;  // of the scheme text the journal's header holds
  JournalSummary summary;
  std::vector<TrancheStatus> tranches;
  std::vector<std::vector<FillPoint>> filling;  // per tranche
  std::vector<TrancheTimeline> timelines;       // per tranche
  std::map<std::string, std::array<std::uint64_t, outcome_count>>
      outcomes_by_reason;  // final states
  std::array<std::uint64_t, outcome_count> outcomes{};
  std::vector<TimestampNs> submission_times;  // one per submission, in order
  std::vector<LotteryDraw> draws;
  std::vector<AppealEntry> appeals;
  std::vector<TransferEntry> transfers;
  std::vector<CarryOverEntry> carry_overs;
  std::map<std::string, MonitoringCounts> monitoring;  // by attribute (parse/monitoring.hpp)
  TreeSummary tree;
};

// Replays the journal; data.summary.problem is set if it does not verify. A Status when the
// journal cannot be opened or its header's scheme does not parse.
Result<ReportData> gather_report(const std::string& data_path);

}  // namespace loket
