#include "storage/decision_line.hpp"

#include <fmt/format.h>

#include "parse/event_json.hpp"
#include "storage/record.hpp"

namespace loket {

Result<std::string> read_decision_line(const Journal& journal, const Scheme& scheme,
                                       std::uint64_t sequence, std::uint64_t index) {
  for (Journal::Cursor cursor = journal.records(sequence);
       cursor.valid() && cursor.sequence() == sequence; cursor.next()) {
    JournalRecord record;
    if (const Status decoded = decode_record(cursor.bytes(), record); !decoded.is_ok()) {
      return Status::corruption(fmt::format("record {}: {}", sequence, decoded.message()));
    }
    if (index < record.decisions.size()) {
      std::string line;
      append_decision_json(line, scheme, sequence, record.decisions[index]);
      line.pop_back();  // the export's newline is not part of the leaf
      return line;
    }
    index -= record.decisions.size();
  }
  return Status::corruption(
      fmt::format("the journal does not hold that decision of record {}", sequence));
}

}  // namespace loket
