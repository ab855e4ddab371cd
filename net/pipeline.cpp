#include "net/pipeline.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <boost/lockfree/queue.hpp>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "engine/assert.hpp"
#include "net/lottery_seeds.hpp"
#include "net/problem.hpp"
#include "parse/event_json.hpp"
#include "storage/record.hpp"

namespace loket {
namespace {

Reply refusal_reply(Refusal refusal) {
  const bool not_found =
      refusal == Refusal::unknown_tranche || refusal == Refusal::unknown_application;
  const int status = refusal == Refusal::capacity_exhausted ? 503 : not_found ? 404 : 409;
  std::string name(to_string(refusal));
  std::replace(name.begin(), name.end(), '_', '-');
  return problem_reply(make_problem(status, name, std::string(describe(refusal))));
}

std::string compartment_json(const Scheme& scheme, const Decision& decision) {
  if (decision.compartment_index == no_compartment) return "null";
  return fmt::format(
      "\"{}\"",
      scheme.tranches.at(decision.tranche_index).compartments.at(decision.compartment_index).id);
}

// The answer to a decided submission: 201 with the receipt, or for an `invalid` decision a
// 422 problem that carries the receipt.
Reply submission_reply(const Scheme& scheme, std::uint64_t sequence, TimestampNs timestamp,
                       std::string_view tranche_id, const Decision& decision,
                       const Sha256Digest& record_hash) {
  const std::string receipt = fmt::format(
      R"("seq":{},"received_at":"{}","id":{},"tranche":{},"outcome":"{}","reason":{},{}"compartment":{},"granted_cents":{},"journal_hash":"{}")",
      sequence, format_rfc3339(timestamp),
      decision.application_id.empty() ? "null" : fmt::format("\"{}\"", decision.application_id),
      boost::json::serialize(boost::json::string(tranche_id)), to_string(decision.outcome),
      decision.reason == Reason::none ? "null" : fmt::format("\"{}\"", to_string(decision.reason)),
      decision.reason == Reason::invalid
          ? fmt::format("\"field\":\"{}\",", to_string(decision.field))
          : "",
      compartment_json(scheme, decision), decision.granted_cents, to_hex(record_hash));
  if (decision.reason != Reason::invalid) return Reply{201, "{" + receipt + "}", false, 0};
  // The receipt names the field; the problem does not name it a second time.
  return problem_reply(make_problem(422, "invalid-submission",
                                    "The submission was rejected as invalid; it has a receipt",
                                    fmt::format("field \"{}\"", to_string(decision.field))),
                       receipt);
}

// The answer to an operator command: its sequence, time, seed and every decision it caused.
Reply operator_reply(const Scheme& scheme, std::uint64_t sequence, TimestampNs timestamp,
                     std::span<const std::uint8_t> seed, std::span<const Decision> decisions,
                     const Sha256Digest& record_hash) {
  std::string decided;
  for (const Decision& decision : decisions) {
    append_decision_json(decided, scheme, sequence, decision);
  }
  boost::json::array lines;
  for (std::size_t start = 0; start < decided.size();) {
    const std::size_t end = decided.find('\n', start);
    lines.push_back(boost::json::parse(std::string_view(decided).substr(start, end - start)));
    start = end + 1;
  }
  boost::json::object body;
  body["seq"] = sequence;
  body["received_at"] = format_rfc3339(timestamp);
  if (!seed.empty()) body["seed"] = to_hex(seed);
  body["decisions"] = std::move(lines);
  body["journal_hash"] = to_hex(record_hash);
  return Reply{200, boost::json::serialize(body), false, 0};
}

// The seed an operator command was decided with, as journaled.
std::span<const std::uint8_t> seed_of(const Command& command) {
  if (const auto* close = std::get_if<CloseCommand>(&command)) return close->seed;
  if (const auto* close_day = std::get_if<CloseDayCommand>(&command)) return close_day->seed;
  return {};
}

std::string key_of(const IdempotencyTag& tag) {
  return {reinterpret_cast<const char*>(tag.key_hash.data()), tag.key_hash.size()};
}

}  // namespace

Reply problem_reply(const Problem& problem, std::string_view extra_members) {
  return Reply{problem.status, problem_json(problem, extra_members), true,
               problem.retry_after_seconds};
}

struct Pipeline::Impl {
  Impl(Pipeline& pipeline, Recovered recovered, PipelineLimits pipeline_limits, Clock wall_clock,
       std::vector<std::uint8_t> key)
      : owner(pipeline),
        limits(pipeline_limits),
        clock(std::move(wall_clock)),
        lottery_seeds(key, recovered.journal->scheme_text()),
        journal_directory(recovered.journal->directory()),
        scheme_text(recovered.journal->scheme_text()),
        journal_env(recovered.journal->env()),
        queue(pipeline_limits.queue_jobs_max) {
    install(std::move(recovered));
    last_closed_day.assign(allocator->scheme().tranches.size(), INT32_MIN);
    thread = std::thread([this] { run(); });
    ticker = std::thread([this] { tick(); });
  }

  void wake_up() {
    wake.fetch_add(1, std::memory_order_release);
    wake.notify_one();
  }

  void run();
  void handle(std::unique_ptr<Job> job);
  std::optional<TimestampNs> decide(Job& job, const Command& command, std::string_view monitoring,
                                    const std::optional<IdempotencyTag>& idempotency = {});
  std::unique_ptr<Job> answer_retry(std::unique_ptr<Job> job);
  void handle_submit(std::unique_ptr<Job> job);
  void handle_operator(std::unique_ptr<Job> job);
  void handle_query(std::unique_ptr<Job> job);
  Command operator_command(Job& job);
  void commit_lottery_seeds();
  void journal_record(const Command& command, std::string_view monitoring, TimestampNs timestamp,
                      const std::optional<IdempotencyTag>& idempotency);
  void await(std::uint64_t sequence, std::unique_ptr<Job> job, Reply reply);
  void complete_durable();
  void remember_key(const IdempotencyTag& tag, std::uint64_t sequence, const Reply& reply);
  void remember_keys_from_journal();
  void install(Recovered recovered);
  void check_journal();
  void fail_all_awaiting();
  void try_reopen();

  Pipeline& owner;
  const PipelineLimits limits;
  const Clock clock;
  const LotterySeeds lottery_seeds;  // R8
  // What it takes to reopen the journal.
  const std::string journal_directory;
  const std::string scheme_text;
  rocksdb::Env* const journal_env;
  // From the journal, replaced together when it is reopened; only this thread touches them
  // (the export reads the journal through journal_for_readers).
  std::shared_ptr<Journal> journal;
  std::unique_ptr<Allocator> allocator;
  Sha256Digest head_hash{};
  TimestampNs last_timestamp = 0;
  std::unique_ptr<GroupCommitter> committer;
  mutable std::mutex readers_mutex;  // exports only, never the submission path
  std::shared_ptr<const Journal> journal_for_readers;
  std::string journal_problem;  // why it cannot write
  std::string last_reopen_problem;
  boost::lockfree::queue<Job*> queue;
  std::atomic<std::uint64_t> wake{0};
  std::atomic<bool> stopping{false};
  std::deque<std::tuple<std::uint64_t, std::unique_ptr<Job>, Reply>> awaiting;
  std::vector<Decision> decisions;
  SealedEvent sealed;
  struct KeyEntry {
    Sha256Digest request_hash;
    std::uint64_t sequence;
    Reply reply;
  };
  std::unordered_map<std::string, KeyEntry> keys;  // by IdempotencyTag::key_hash
  std::deque<std::string> keys_in_order;           // oldest first, for the bound
  std::vector<LocalDate> last_closed_day;          // per tranche, by the clock
  std::atomic<bool> clock_check_due{false};
  std::thread thread;
  std::thread ticker;

  // Wakes the allocator thread to look at the clock; sleeps in short steps to stop promptly.
  void tick() {
    constexpr auto step = std::chrono::milliseconds(20);
    auto next = std::chrono::steady_clock::now() + limits.clock_check_interval;
    while (!stopping.load(std::memory_order_acquire)) {
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          step, next - std::chrono::steady_clock::now()));
      if (std::chrono::steady_clock::now() < next) continue;
      next += limits.clock_check_interval;
      clock_check_due.store(true, std::memory_order_release);
      wake_up();
    }
  }
  void close_on_clock();
  void apply_internal(const Command& command, TimestampNs timestamp);
};

// Operator-free closing: the same events an operator would send, journaled like any other.
void Pipeline::Impl::apply_internal(const Command& command, TimestampNs timestamp) {
  if (allocator->apply(command, allocator->last_sequence() + 1, timestamp, decisions) ==
      Refusal::none) {
    journal_record(command, "", timestamp, std::nullopt);
  }
}

void Pipeline::Impl::close_on_clock() {
  const Scheme& scheme = allocator->scheme();
  const TimestampNs now = std::max(clock(), last_timestamp);
  for (std::size_t index = 0; index < scheme.tranches.size(); ++index) {
    const Tranche& tranche = scheme.tranches[index];
    if (allocator->tranche_status(index).closed) continue;
    std::vector<std::uint8_t> seed;
    if (now >= tranche.closes_at) {
      const std::optional<Problem> problem =
          lottery_seeds.choose(*allocator, head_hash, tranche.id, std::nullopt, {}, seed);
      LOKET_ASSERT(!problem);  // only an operator's seed or beacon can be refused
      apply_internal(CloseCommand{tranche.id, seed}, now);
      continue;
    }
    if (tranche.ranking != Ranking::same_day_lottery) continue;
    const LocalDate yesterday = local_date(now, scheme.time_zone) - 1;
    if (yesterday < local_date(tranche.opens_at, scheme.time_zone) ||
        yesterday <= last_closed_day[index]) {
      continue;
    }
    const std::optional<Problem> problem =
        lottery_seeds.choose(*allocator, head_hash, tranche.id, yesterday, {}, seed);
    LOKET_ASSERT(!problem);
    // Refused as already closed (an operator was first, or before a restart) is fine too.
    apply_internal(CloseDayCommand{tranche.id, yesterday, seed}, now);
    last_closed_day[index] = yesterday;
  }
}

// R8: commits every lottery tranche that has no commitment and no submission yet. The
// allocator refuses the others (already answered clients, or closed), which journals nothing.
void Pipeline::Impl::commit_lottery_seeds() {
  for (const CommitSeedCommand& command : lottery_seeds.commitments(*allocator)) {
    apply_internal(command, std::max(clock(), last_timestamp));
  }
}

void Pipeline::Impl::remember_key(const IdempotencyTag& tag, std::uint64_t sequence,
                                  const Reply& reply) {
  const std::string key = key_of(tag);
  if (!keys.emplace(key, KeyEntry{tag.request_hash, sequence, reply}).second) return;
  keys_in_order.push_back(key);
  if (keys_in_order.size() > limits.idempotency_keys_max) {
    keys.erase(keys_in_order.front());
    keys_in_order.pop_front();
  }
}

// A restarted server still recognises retries: the keys are in the journal.
void Pipeline::Impl::remember_keys_from_journal() {
  const Scheme& scheme = allocator->scheme();
  const JournalSummary summary = verify_records(*journal, [&](const JournalRecord& journaled) {
    if (!journaled.idempotency) return true;
    const auto* submit = std::get_if<SubmitCommand>(&journaled.command);
    if (submit != nullptr && journaled.decisions.size() == 1) {
      remember_key(
          *journaled.idempotency, journaled.sequence,
          submission_reply(scheme, journaled.sequence, journaled.received_at, submit->tranche_id,
                           journaled.decisions.front(), journaled.record_hash));
    } else if (submit == nullptr) {
      remember_key(
          *journaled.idempotency, journaled.sequence,
          operator_reply(scheme, journaled.sequence, journaled.received_at,
                         seed_of(journaled.command), journaled.decisions, journaled.record_hash));
    }
    return true;
  });
  LOKET_ASSERT(!summary.problem);  // recovery verified the same journal just before
}

void Pipeline::Impl::run() {
  for (;;) {
    const std::uint64_t seen = wake.load(std::memory_order_acquire);
    std::size_t taken = 0;
    Job* raw = nullptr;
    while (taken < limits.jobs_per_turn_max && queue.pop(raw)) {
      owner.counters_.queue_depth.fetch_sub(1, std::memory_order_acq_rel);
      handle(std::unique_ptr<Job>(raw));
      ++taken;
    }
    const bool tick = clock_check_due.exchange(false, std::memory_order_acq_rel);
    if (owner.journal_failed_.load(std::memory_order_acquire)) {
      if (tick && !stopping.load(std::memory_order_acquire)) try_reopen();
    } else {
      if (tick) close_on_clock();
      // With no more input right now, hand the partial batch to the committer.
      if (taken < limits.jobs_per_turn_max) committer->flush();
      complete_durable();
      check_journal();
    }
    owner.counters_.awaiting_durability.store(awaiting.size(), std::memory_order_relaxed);
    if (stopping.load(std::memory_order_acquire) && taken == 0 && awaiting.empty()) return;
    if (taken == 0) wake.wait(seen, std::memory_order_acquire);
  }
}

void Pipeline::Impl::check_journal() {
  if (committer->status().is_ok()) return;
  journal_problem = committer->status().message();
  owner.journal_failed_.store(true, std::memory_order_release);
  owner.counters_.journal_failures.fetch_add(1, std::memory_order_relaxed);
  {
    // No new export starts on a journal that is about to be reopened.
    const std::lock_guard lock(readers_mutex);
    journal_for_readers.reset();
  }
  // Once, loud: from here on nothing is acknowledged, and /readyz says so.
  fmt::print(stderr,
             "loket serve: the journal cannot write ({}); durable through sequence {}; "
             "refusing submissions with 503 and trying to reopen it every {} ms\n",
             journal_problem, committer->durable_sequence(), limits.clock_check_interval.count());
  fail_all_awaiting();
}

// Reopens the journal as a restart would, and runs on it once it takes a synced write again.
// Until then every attempt that fails for a new reason is logged, once.
void Pipeline::Impl::try_reopen() {
  LOKET_ASSERT(owner.journal_failed_.load() && awaiting.empty());
  if (journal && journal.use_count() > 1) return;  // an export still reads it; next tick
  committer.reset();  // its thread stops; the failed batches were never durable
  journal.reset();
  allocator.reset();  // stale: it decided what the journal may not hold
  Recovered recovered =
      recover_journal(journal_directory, scheme_text, JournalOptions{scheme_text, journal_env});
  Status status = recovered.status;
  if (status.is_ok()) status = recovered.journal->check_writable();
  if (!status.is_ok()) {
    journal_problem = status.message();
    if (journal_problem != last_reopen_problem) {
      fmt::print(stderr, "loket serve: the journal cannot be reopened yet: {}\n", journal_problem);
      last_reopen_problem = journal_problem;
    }
    return;
  }
  const std::uint64_t records = recovered.summary.records;
  install(std::move(recovered));
  last_reopen_problem.clear();
  owner.counters_.journal_reopened.fetch_add(1, std::memory_order_relaxed);
  owner.journal_failed_.store(false, std::memory_order_release);
  fmt::print(stderr,
             "loket serve: the journal writes again: {} records recovered and verified, durable "
             "through sequence {}; accepting submissions\n",
             records, allocator->last_sequence());
}

// Takes over a recovered journal: the allocator at its last sequence, a new committer, and
// the idempotency keys it holds.
void Pipeline::Impl::install(Recovered recovered) {
  LOKET_ASSERT(recovered.status.is_ok() && recovered.journal && recovered.allocator);
  LOKET_ASSERT(!committer && awaiting.empty());
  journal = std::move(recovered.journal);
  allocator = std::move(recovered.allocator);
  head_hash = recovered.summary.head_hash;
  last_timestamp = recovered.summary.last_timestamp;
  owner.counters_.durable_sequence.store(recovered.summary.last_sequence,
                                         std::memory_order_release);
  committer = std::make_unique<GroupCommitter>(
      *journal, limits.commit,
      [this](std::uint64_t last_durable) {
        const std::uint64_t before =
            owner.counters_.durable_sequence.exchange(last_durable, std::memory_order_acq_rel);
        owner.counters_.records_committed.fetch_add(last_durable - before,
                                                    std::memory_order_relaxed);
        owner.counters_.batches_committed.fetch_add(1, std::memory_order_relaxed);
        wake_up();
      },
      recovered.summary.last_sequence);
  keys.clear();
  keys_in_order.clear();
  remember_keys_from_journal();
  commit_lottery_seeds();
  const std::lock_guard lock(readers_mutex);
  journal_for_readers = journal;
}

void Pipeline::Impl::handle(std::unique_ptr<Job> job) {
  if (owner.journal_failed_.load(std::memory_order_acquire)) {
    Problem problem =
        make_problem(503, "journal-unavailable",
                     "The journal cannot write; nothing is being accepted", journal_problem);
    problem.retry_after_seconds = 5;
    job->complete(problem_reply(problem));
    return;
  }
  switch (job->endpoint) {
    case Endpoint::submit:
      return handle_submit(std::move(job));
    case Endpoint::close:
    case Endpoint::close_day:
    case Endpoint::appeal:
      return handle_operator(std::move(job));
    default:
      return handle_query(std::move(job));
  }
}

void Pipeline::Impl::journal_record(const Command& command, std::string_view monitoring,
                                    TimestampNs timestamp,
                                    const std::optional<IdempotencyTag>& idempotency) {
  const std::uint64_t sequence = allocator->last_sequence();
  head_hash = seal_event(sealed, sequence, timestamp, command, monitoring, decisions, head_hash,
                         idempotency);
  committer->append(sequence, sealed);
  last_timestamp = timestamp;
  owner.counters_.accepted.fetch_add(1, std::memory_order_relaxed);
}

// Stamps the command (arrival time, never before the last one), applies it under the next
// sequence and journals it. A refused command is answered at once and gets nothing back.
std::optional<TimestampNs> Pipeline::Impl::decide(
    Job& job, const Command& command, std::string_view monitoring,
    const std::optional<IdempotencyTag>& idempotency) {
  const TimestampNs timestamp = std::max(job.received_at, last_timestamp);
  const Refusal refusal =
      allocator->apply(command, allocator->last_sequence() + 1, timestamp, decisions);
  if (refusal != Refusal::none) {
    owner.counters_.refused.fetch_add(1, std::memory_order_relaxed);
    job.complete(refusal_reply(refusal));
    return std::nullopt;
  }
  journal_record(command, monitoring, timestamp, idempotency);
  return timestamp;
}

// A request with a known Idempotency-Key gets the recorded answer, once the original is
// durable; the same key with another request is an error. Returns the job when it is new.
std::unique_ptr<Job> Pipeline::Impl::answer_retry(std::unique_ptr<Job> job) {
  if (!job->idempotency) return job;
  const auto found = keys.find(key_of(*job->idempotency));
  if (found == keys.end()) return job;
  if (found->second.request_hash != job->idempotency->request_hash) {
    job->complete(problem_reply(make_problem(
        422, "idempotency-key-reused", "This Idempotency-Key was used for another request",
        "a retry must repeat the original request exactly", "Idempotency-Key")));
    return nullptr;
  }
  await(found->second.sequence, std::move(job), found->second.reply);
  return nullptr;
}

void Pipeline::Impl::handle_submit(std::unique_ptr<Job> job) {
  job = answer_retry(std::move(job));
  if (!job) return;
  const SubmitCommand command = job->submission.command();
  const std::optional<TimestampNs> decided_at =
      decide(*job, command, job->submission.monitoring_json, job->idempotency);
  if (!decided_at) return;
  LOKET_ASSERT(decisions.size() == 1);
  const Decision& decision = decisions.front();
  owner.counters_.submissions_by_outcome[static_cast<std::size_t>(decision.outcome)].fetch_add(1);
  Reply reply = submission_reply(allocator->scheme(), allocator->last_sequence(), *decided_at,
                                 command.tranche_id, decision, head_hash);
  if (job->idempotency) remember_key(*job->idempotency, allocator->last_sequence(), reply);
  await(allocator->last_sequence(), std::move(job), std::move(reply));
}

Command Pipeline::Impl::operator_command(Job& job) {
  switch (job.endpoint) {
    case Endpoint::close:
      return CloseCommand{job.tranche_id, job.seed};
    case Endpoint::close_day:
      return CloseDayCommand{job.tranche_id, job.date, job.seed};
    default:
      return AppealCommand{job.tranche_id, job.application_id, job.amount_cents, job.reference};
  }
}

void Pipeline::Impl::handle_operator(std::unique_ptr<Job> job) {
  job = answer_retry(std::move(job));
  if (!job) return;
  if (job->endpoint == Endpoint::close || job->endpoint == Endpoint::close_day) {
    const std::optional<LocalDate> day =
        job->endpoint == Endpoint::close_day ? std::optional(job->date) : std::nullopt;
    if (std::optional<Problem> problem = lottery_seeds.choose(
            *allocator, head_hash, job->tranche_id, day, job->beacon, job->seed)) {
      owner.counters_.refused.fetch_add(1, std::memory_order_relaxed);
      job->complete(problem_reply(*problem));
      return;
    }
  }
  const Command command = operator_command(*job);
  const std::optional<TimestampNs> decided_at = decide(*job, command, "", job->idempotency);
  if (!decided_at) return;
  Reply reply = operator_reply(allocator->scheme(), allocator->last_sequence(), *decided_at,
                               job->seed, decisions, head_hash);
  if (job->idempotency) remember_key(*job->idempotency, allocator->last_sequence(), reply);
  await(allocator->last_sequence(), std::move(job), std::move(reply));
}

void Pipeline::Impl::handle_query(std::unique_ptr<Job> job) {
  const Scheme& scheme = allocator->scheme();
  boost::json::object body;
  if (job->endpoint == Endpoint::get_submission) {
    const auto found = allocator->find_application(job->application_id);
    if (!found) {
      job->complete(problem_reply(make_problem(404, "unknown-application", "No such submission")));
      return;
    }
    const bool known_tranche = found->tranche_index < scheme.tranches.size();
    body["id"] = found->application_id;
    body["tranche"] = known_tranche ? scheme.tranches[found->tranche_index].id : "";
    body["outcome"] = to_string(found->outcome);
    body["reason"] = found->reason == Reason::none ? boost::json::value(nullptr)
                                                   : boost::json::value(to_string(found->reason));
    const bool money = known_tranche && !scheme.tranches[found->tranche_index].counts_places;
    body["compartment"] =
        money && found->compartment_index != no_compartment &&
                !scheme.tranches[found->tranche_index].compartments.front().id.empty()
            ? boost::json::value(
                  scheme.tranches[found->tranche_index].compartments[found->compartment_index].id)
            : boost::json::value(nullptr);
    body["requested_cents"] = money ? found->requested_units : 0;
    body["granted_cents"] = money ? found->granted_units : 0;
  } else if (job->endpoint == Endpoint::get_tranche) {
    const auto index = scheme.find_tranche(job->tranche_id);
    if (!index) {
      job->complete(problem_reply(make_problem(404, "unknown-tranche", "No such tranche")));
      return;
    }
    const Tranche& tranche = scheme.tranches[*index];
    const TrancheStatus status = allocator->tranche_status(*index);
    body["id"] = tranche.id;
    body["unit"] = tranche.counts_places ? "places" : "cents";
    body["closed"] = status.closed;
    boost::json::object outcomes;
    for (std::size_t outcome = 1; outcome <= 4; ++outcome) {
      outcomes[to_string(static_cast<Outcome>(outcome))] = status.applications_by_outcome[outcome];
    }
    body["applications"] = std::move(outcomes);
    boost::json::array pools;
    for (const PoolStatus& pool : status.pools) {
      pools.push_back(
          {{"compartment", pool.compartment_id.empty() ? boost::json::value(nullptr)
                                                       : boost::json::value(pool.compartment_id)},
           {"capacity", pool.capacity_units},
           {"remaining", pool.remaining_units},
           {"granted", pool.granted_units},
           {"granted_on_appeal", pool.appeal_granted_units},
           {"transferred_in", pool.transferred_in_units},
           {"transferred_out", pool.transferred_out_units},
           {"unmet", pool.unmet_units}});
    }
    body["pools"] = std::move(pools);
  }
  body["as_of_seq"] = allocator->last_sequence();
  // Shown only once everything it reflects is durable.
  await(allocator->last_sequence(), std::move(job),
        Reply{200, boost::json::serialize(body), false, 0});
}

void Pipeline::Impl::await(std::uint64_t sequence, std::unique_ptr<Job> job, Reply reply) {
  if (sequence <= committer->durable_sequence()) {
    job->complete(std::move(reply));
    return;
  }
  LOKET_ASSERT(awaiting.empty() || std::get<0>(awaiting.back()) <= sequence);
  awaiting.emplace_back(sequence, std::move(job), std::move(reply));
}

void Pipeline::Impl::complete_durable() {
  const std::uint64_t durable = committer->durable_sequence();
  while (!awaiting.empty() && std::get<0>(awaiting.front()) <= durable) {
    auto& [sequence, job, reply] = awaiting.front();
    job->complete(std::move(reply));
    awaiting.pop_front();
  }
}

void Pipeline::Impl::fail_all_awaiting() {
  Problem problem =
      make_problem(503, "journal-unavailable",
                   "The journal failed before this was durable: it may or may not be recorded",
                   fmt::format("{}; once the server is ready again, a retry with the same "
                               "Idempotency-Key gets the recorded receipt or records it once",
                               journal_problem));
  problem.retry_after_seconds = 5;
  while (!awaiting.empty()) {
    std::get<1>(awaiting.front())->complete(problem_reply(problem));
    awaiting.pop_front();
  }
}

TimestampNs Pipeline::system_clock_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Pipeline::Pipeline(Recovered recovered, PipelineLimits limits, Clock clock,
                   std::vector<std::uint8_t> lottery_key)
    : impl_(std::make_unique<Impl>(*this, std::move(recovered), limits, std::move(clock),
                                   std::move(lottery_key))) {}

Pipeline::~Pipeline() {
  stop();
}

bool Pipeline::try_enqueue(std::unique_ptr<Job> job) {
  LOKET_ASSERT(job && job->complete);
  if (impl_->stopping.load(std::memory_order_acquire)) return false;
  // The place is counted before the push: the allocator thread may pop (and count down)
  // before this thread would otherwise have counted up, and the count must never wrap.
  if (counters_.queue_depth.fetch_add(1, std::memory_order_acq_rel) >=
          impl_->limits.queue_jobs_max ||
      !impl_->queue.bounded_push(job.get())) {
    counters_.queue_depth.fetch_sub(1, std::memory_order_acq_rel);
    counters_.rejected_full.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  job.release();
  impl_->wake_up();
  return true;
}

void Pipeline::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->stopping.store(true, std::memory_order_release);
  impl_->wake_up();
  impl_->thread.join();
  impl_->ticker.join();
}

std::shared_ptr<const Journal> Pipeline::journal_for_reading() const {
  const std::lock_guard lock(impl_->readers_mutex);
  return impl_->journal_for_readers;
}

}  // namespace loket
