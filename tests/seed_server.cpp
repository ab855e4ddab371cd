#include "tests/seed_server.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <future>

#include "app/audit_command.hpp"
#include "core/recovery.hpp"
#include "engine/civil_time.hpp"
#include "net/operator_request.hpp"

namespace loket::testing {

TimestampNs at(std::string_view rfc3339) {
  return *parse_rfc3339(rfc3339);
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

boost::json::object json_of(const Reply& reply) {
  return boost::json::parse(reply.body).as_object();
}

SeedServer::SeedServer(const TempFolder& folder, std::string_view lottery_key, TimestampNs now)
    : now_(now) {
  Result<Recovered> recovered = recover_journal(folder.path("journal"), std::string(seed_scheme));
  REQUIRE(recovered.ok());
  PipelineLimits limits;
  limits.clock_check_interval = std::chrono::hours(1);
  pipeline_ = std::make_unique<Pipeline>(
      std::move(recovered).value(), limits, [this] { return now_.load(); }, bytes_of(lottery_key));
}

Reply SeedServer::submit(std::string_view tranche, std::string_view id,
                         std::string_view participant) {
  auto parsed = parse_submission_body(
      tranche, fmt::format(R"({{"id":"{}","participant":"{}"}})", id, participant),
      bytes_of("participant-key"), "unused");
  REQUIRE(std::holds_alternative<SubmissionRequest>(parsed));
  auto job = std::make_unique<Job>(std::get<SubmissionRequest>(std::move(parsed)));
  return run(std::move(job));
}

Reply SeedServer::operate(Endpoint endpoint, std::string_view tranche, std::string_view body) {
  auto parsed = read_operator_body(endpoint, tranche, body);
  const auto* problem = std::get_if<Problem>(&parsed);
  INFO(body << " -> " << (problem ? problem->detail : ""));
  REQUIRE_FALSE(problem);
  auto job = std::make_unique<Job>(std::get<JobRequest>(std::move(parsed)));
  return run(std::move(job));
}

Reply SeedServer::run(std::unique_ptr<Job> job) {
  job->received_at = now_.load();
  std::promise<Reply> answered;
  std::future<Reply> answer = answered.get_future();
  job->complete = [&answered](JobOutcome outcome) { answered.set_value(render_reply(outcome)); };
  REQUIRE(pipeline_->try_enqueue(std::move(job)));
  // Bounds a hang only; the answer comes as soon as its record is durable.
  REQUIRE(answer.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  return answer.get();
}

JournalCopy read_journal(const TempFolder& folder) {
  JournalOpenResult opened =
      Journal::open(folder.path("journal"), JournalOptions{{}, nullptr, true});
  REQUIRE(opened.ok());
  JournalCopy copy;
  for (auto cursor = opened->journal->records(1); cursor.valid(); cursor.next()) {
    copy.bytes.emplace_back(reinterpret_cast<const char*>(cursor.bytes().data()),
                            cursor.bytes().size());
  }
  copy.records.resize(copy.bytes.size());
  for (std::size_t index = 0; index < copy.bytes.size(); ++index) {
    const std::string& bytes = copy.bytes[index];
    REQUIRE(decode_record({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()},
                          copy.records[index])
                .is_ok());
  }
  return copy;
}

std::string text_of(std::FILE* file) {
  std::rewind(file);
  std::string text;
  char buffer[4096];
  while (const std::size_t read = std::fread(buffer, 1, sizeof(buffer), file)) {
    text.append(buffer, read);
  }
  std::fclose(file);
  return text;
}

AuditResult audit(const std::string& journal_path) {
  std::FILE* out = std::tmpfile();
  std::FILE* errors = std::tmpfile();
  AuditResult result;
  result.code = run_audit(AuditOptions{journal_path, "", {}, ""}, out, errors);
  result.out = text_of(out);
  result.errors = text_of(errors);
  return result;
}

void fill_window(SeedServer& server, std::vector<std::string>& receipt_hashes) {
  for (int index = 0; index < 3; ++index) {
    const Reply receipt = server.submit("w", fmt::format("W-{}", index), fmt::format("p{}", index));
    REQUIRE(receipt.status == 201);
    CHECK(json_of(receipt).at("outcome") == "pending");
    receipt_hashes.emplace_back(json_of(receipt).at("journal_hash").as_string());
  }
}

}  // namespace loket::testing
