// After a rehearsal: is the server's record exactly right? Checked against the auditor's
// export (events and decisions as JSON lines) and the tranche's state:
//   - granted never above the cap (applications granted on appeal are outside it);
//   - no participant granted twice;
//   - every receipt a client got (201, or 422 invalid) is in the record with the same
//     sequence, id, outcome and reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "loadgen/load_client.hpp"

namespace loket {

struct RunCheck {
  std::vector<std::string> failures;  // empty: all checks passed
  std::uint64_t receipts_checked = 0;
  std::uint64_t granted_units = 0;  // places, or cents
  std::uint64_t capacity_units = 0;
  std::string unit;  // "places" or "cents"
};

RunCheck check_run(const std::vector<LoadReceipt>& receipts, std::string_view tranche_id,
                   std::string_view tranche_json, std::string_view events_jsonl,
                   std::string_view decisions_jsonl);

}  // namespace loket
