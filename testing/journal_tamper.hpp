// Changing a journal's records behind the rules' back, for the tests that show damage and
// forgery are caught. The product's Journal has no call for this; overwrite_record goes
// through its ordinary write path (Journal::add_record, write_synced) with bytes nobody
// checked, under a sequence that may already hold a record.
#pragma once

#include <cstdint>
#include <string_view>

#include "storage/journal.hpp"

namespace loket::testing {

// record_bytes must not be empty (an empty record is not something a journal can hold).
Status overwrite_record(Journal& journal, std::uint64_t sequence, std::string_view record_bytes);

}  // namespace loket::testing
