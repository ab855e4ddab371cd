// Test helpers for R8's committed lottery seed on the server: a pipeline with its own lottery
// key on a clock the test sets, taking jobs directly (no sockets), the journal read back, and
// `loket audit` with its output captured.
#pragma once

#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/pipeline.hpp"
#include "net/replies.hpp"
#include "net/routes.hpp"
#include "storage/record.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {

// w draws once; d's window touches the local days 1-4 December, so it draws five times; a
// ranks by arrival.
inline constexpr std::string_view seed_scheme = R"(
[scheme]
id = "seeds"
name = "Seeds"
unique_participant = "tranche"
[[tranche]]
id = "w"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2020-12-10T08:00:00Z"
places = 2
ranking = "window_lottery"
[[tranche]]
id = "d"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2020-12-04T08:00:00Z"
places = 2
ranking = "same_day_lottery"
[[tranche]]
id = "a"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2020-12-10T08:00:00Z"
places = 10
ranking = "arrival"
)";

TimestampNs at(std::string_view rfc3339);
std::vector<std::uint8_t> bytes_of(std::string_view text);
boost::json::object json_of(const Reply& reply);

// A pipeline on the folder's journal (of seed_scheme) with its own lottery key and a clock
// the test sets. The clock never closes anything by itself here: its check interval is an
// hour.
class SeedServer {
 public:
  SeedServer(const TempFolder& folder, std::string_view lottery_key, TimestampNs now);
  void set_now(std::string_view rfc3339) { now_ = at(rfc3339); }
  const Pipeline& pipeline() const { return *pipeline_; }

  Reply submit(std::string_view tranche, std::string_view id, std::string_view participant);
  // An operator's close or close-day with this body, parsed as the server parses it.
  Reply operate(Endpoint endpoint, std::string_view tranche, std::string_view body);

 private:
  Reply run(std::unique_ptr<Job> job);

  std::atomic<TimestampNs> now_;
  std::unique_ptr<Pipeline> pipeline_;
};

// Three registrations for the window's two places, so that its close draws; their receipts'
// journal hashes are added to receipt_hashes.
void fill_window(SeedServer& server, std::vector<std::string>& receipt_hashes);

// The journal's records, decoded, with the bytes their views point into.
struct JournalCopy {
  std::vector<std::string> bytes;
  std::vector<JournalRecord> records;
};
JournalCopy read_journal(const TempFolder& folder);

struct AuditResult {
  int code = 0;
  std::string out;
  std::string errors;
};
AuditResult audit(const std::string& journal_path);

// Everything written to the file; closes it.
std::string text_of(std::FILE* file);

}  // namespace loket::testing
