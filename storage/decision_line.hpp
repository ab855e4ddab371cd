// One leaf of the decision tree read back from the journal: the line the decisions export
// prints for one decision, without its newline. For an applicant's proof, which must carry
// the exact bytes that were hashed.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.hpp"
#include "engine/scheme.hpp"
#include "storage/journal.hpp"

namespace loket {

// Decision `index` (from 0, across the parts of a split event) of the event `sequence`.
// corruption when the journal does not hold it; the record's checksum and hash are checked.
Result<std::string> read_decision_line(const Journal& journal, const Scheme& scheme,
                                       std::uint64_t sequence, std::uint64_t index);

}  // namespace loket
