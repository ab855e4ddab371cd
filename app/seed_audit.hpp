// R8's seed check for `loket audit`: every draw of a tranche with a seed commitment must reveal
// the committed secret of that draw (engine/lottery.hpp), in draw order. The allocator already
// refuses a draw that does not, so an audit's replay stops there; this check says it again
// from the records alone and reports, per lottery tranche, where the seed was committed and
// revealed. A draw without a commitment (a journal from before commitments, or an event file
// with seeds of its own) is reported as not committed: a warning, not a failure, because such
// a journal once written must audit forever.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/scheme.hpp"
#include "storage/record.hpp"

namespace loket {

struct SeedAuditDraw {
  Sequence sequence = 0;
  std::string what;  // the day drawn, "2021-03-01", or "close"
};

class SeedAudit {
 public:
  explicit SeedAudit(const Scheme& scheme);

  // Every record, in sequence order.
  void visit(const JournalRecord& record);

  // The first draw that does not verify: "record 12: tranche w: ...". Nothing when all do.
  const std::optional<std::string>& failure() const { return failure_; }
  // One line per lottery tranche that drew or was committed, each ending in '\n'.
  std::string report() const;

 private:
  struct TrancheSeeds {
    std::optional<Sequence> committed_at;
    std::array<std::uint8_t, 32> commitment{};
    std::uint32_t draws = 0;
    std::optional<std::uint32_t> last_draw_index;
    std::vector<SeedAuditDraw> revealed;
    std::vector<SeedAuditDraw> uncommitted;
  };
  void check_draw(const JournalRecord& record, std::string_view tranche_id,
                  std::optional<LocalDate> day, std::span<const std::uint8_t> seed);

  const Scheme& scheme_;
  std::vector<TrancheSeeds> tranches_;
  std::optional<std::string> failure_;
};

}  // namespace loket
