// A cluster follower's pipeline (net/pipeline.hpp, core/replica_feed.hpp), in one process and
// without etcd: fed another journal's records as the log in etcd carries them (framed, cut
// into chunks that split records), it writes the very same records, answers writes with
// not-leader, refuses a record that does not link (writing none of it), and, promoted, leads
// in place from the same head.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "core/local_log.hpp"
#include "core/record_stream.hpp"
#include "net/pipeline.hpp"
#include "net/replies.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/journal_writer.hpp"

namespace loket {
namespace {

using testing::TempFolder;
using testing::tiny_scheme;

constexpr TimestampNs opening_day_ns = 1'606'809'600'000'000'000;  // inside tiny's window

std::vector<std::string> journal_records(const std::string& folder) {
  JournalOpenResult opened = Journal::open(folder, JournalOptions{{}, nullptr, true});
  REQUIRE(opened.ok());
  std::vector<std::string> records;
  for (auto cursor = opened->journal->records(1); cursor.valid(); cursor.next()) {
    records.emplace_back(reinterpret_cast<const char*>(cursor.bytes().data()),
                         cursor.bytes().size());
  }
  return records;
}

// A journal of tiny_scheme with `events` registrations, written as a leader would.
std::vector<std::string> leader_journal(const TempFolder& folder, std::size_t events,
                                        std::size_t monitoring_bytes) {
  {
    std::unique_ptr<Journal> journal = testing::open_for_writing(folder.path("leader"));
    testing::BatchWriter writer;
    writer.write(*journal, events, monitoring_bytes);
  }
  return journal_records(folder.path("leader"));
}

std::vector<std::string> chunks_of(const std::vector<std::string>& records) {
  std::string stream;
  for (const std::string& record : records) append_framed_record(stream, record);
  return cut_into_chunks(stream, 97);  // small: most records span chunks
}

DurableLogFactory local_log_factory() {
  return [](Journal& journal, GroupCommitLimits limits, std::function<void(std::uint64_t)> durable,
            std::uint64_t through) -> Result<std::unique_ptr<DurableLog>> {
    return std::unique_ptr<DurableLog>(
        std::make_unique<LocalLog>(journal, limits, std::move(durable), through));
  };
}

std::unique_ptr<Pipeline> follower_on(const std::string& folder) {
  Result<Recovered> recovered = recover_journal(folder, std::string(tiny_scheme));
  REQUIRE(recovered.ok());
  PipelineLimits limits;
  limits.clock_check_interval = std::chrono::hours(1);
  return std::make_unique<Pipeline>(
      std::move(*recovered), limits, [] { return opening_day_ns + 1'000'000'000; },
      std::vector<std::uint8_t>(development_lottery_key.begin(), development_lottery_key.end()),
      local_log_factory(), PipelineRole::follower);
}

template <typename Condition>
void wait_until(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!condition()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);  // bounds a hang only
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Reply submit(Pipeline& pipeline, std::string_view id) {
  auto parsed =
      parse_submission_body("t", fmt::format(R"({{"id":"{}","participant":"p-{}"}})", id, id),
                            std::vector<std::uint8_t>{1, 2, 3}, "unused");
  REQUIRE(std::holds_alternative<SubmissionRequest>(parsed));
  auto job = std::make_unique<Job>(std::get<SubmissionRequest>(std::move(parsed)));
  job->received_at = opening_day_ns + 2'000'000'000;
  std::promise<Reply> answered;
  std::future<Reply> answer = answered.get_future();
  job->complete = [&answered](JobOutcome outcome) { answered.set_value(render_reply(outcome)); };
  REQUIRE(pipeline.try_enqueue(std::move(job)));
  REQUIRE(answer.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  return answer.get();
}

TEST_CASE("follower pipeline: applies another node's records byte for byte, then leads in place",
          "[cluster]") {
  TempFolder folder("follower-pipeline");
  const std::vector<std::string> records = leader_journal(folder, 300, 40);
  const std::vector<std::string> chunks = chunks_of(records);
  std::unique_ptr<Pipeline> pipeline = follower_on(folder.path("follower"));
  REQUIRE(pipeline->following());
  // Offered in three uneven parts, as a follower's looks at etcd would find them.
  const auto first = static_cast<std::ptrdiff_t>(chunks.size() / 3);
  const auto second = static_cast<std::ptrdiff_t>(chunks.size() / 2);
  pipeline->offer_replicated({chunks.begin(), chunks.begin() + first});
  pipeline->offer_replicated({chunks.begin() + first, chunks.begin() + second});
  CHECK(submit(*pipeline, "W-1").status == 503);  // a write the follower was handed
  pipeline->offer_replicated({chunks.begin() + second, chunks.end()});
  wait_until([&] { return pipeline->durable_sequence() == 300; });
  CHECK(pipeline->counters().replicated_events.load() == 300);
  CHECK(pipeline->healthy());

  pipeline->promote();
  wait_until([&] { return !pipeline->following(); });
  const Reply accepted = submit(*pipeline, "W-2");
  INFO(accepted.body);
  CHECK(accepted.status == 201);
  CHECK_THAT(accepted.body, Catch::Contains(R"("seq":301)"));
  pipeline.reset();
  std::vector<std::string> followed = journal_records(folder.path("follower"));
  REQUIRE(followed.size() == records.size() + 1);
  followed.pop_back();
  CHECK(followed == records);
}

TEST_CASE("follower pipeline: a record that does not link is refused, none of it written",
          "[cluster]") {
  TempFolder folder("follower-pipeline");
  const std::vector<std::string> records = leader_journal(folder, 100, 0);
  TempFolder other_folder("other-leader");
  const std::vector<std::string> other = leader_journal(other_folder, 100, 40);  // another chain
  std::vector<std::string> spliced(records.begin(), records.begin() + 60);
  spliced.insert(spliced.end(), other.begin() + 60, other.end());
  std::unique_ptr<Pipeline> pipeline = follower_on(folder.path("follower"));
  pipeline->offer_replicated(chunks_of(spliced));
  wait_until([&] { return !pipeline->healthy(); });
  CHECK(pipeline->durable_sequence() == 60);
  pipeline->promote();  // refused: it failed, and never leads
  CHECK(submit(*pipeline, "W-1").status == 503);
  pipeline.reset();
  const std::vector<std::string> kept = journal_records(folder.path("follower"));
  CHECK(kept == std::vector<std::string>(records.begin(), records.begin() + 60));
}

}  // namespace
}  // namespace loket
