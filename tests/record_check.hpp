// Is a running server's record exactly what its clients were promised? Reads the auditor's
// export and each tranche's state over HTTP and checks: sequences dense from 1; every
// receipt in the record with the same sequence, id, outcome and reason; no tranche over its
// cap; no participant granted twice (loadgen/load_checks.hpp). Uses the development auditor
// token.
#pragma once

#include <string>
#include <vector>

#include "loadgen/load_client.hpp"

namespace loket::testing {

struct TrancheReceipts {
  std::string tranche_id;
  std::vector<LoadReceipt> receipts;
};

struct RecordCheck {
  std::vector<std::string> failures;  // empty: as promised
  std::uint64_t records = 0;
  std::uint64_t receipts_checked = 0;
};

RecordCheck check_server_record(unsigned short port, const std::vector<TrancheReceipts>& tranches);

// The receipt in a 201 (or a 422 for an invalid submission); nothing when the body has none.
std::optional<LoadReceipt> receipt_of(std::string_view body);

}  // namespace loket::testing
