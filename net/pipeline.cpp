#include "net/pipeline.hpp"

#include <fmt/format.h>

#include "engine/assert.hpp"
#include "net/pipeline_impl.hpp"

namespace loket {
namespace {

// R11: a refused close names the tranches still open that carry into it, so the operator
// knows what to close first.
std::string refusal_detail(const Allocator& allocator, const Command& command, Refusal refusal) {
  const auto* close = std::get_if<CloseCommand>(&command);
  if (refusal != Refusal::carry_over_source_open || close == nullptr) return {};
  const Scheme& scheme = allocator.scheme();
  const std::optional<std::size_t> target = scheme.find_tranche(close->tranche_id);
  if (!target) return {};
  const std::vector<std::size_t> open_sources = allocator.open_carry_over_sources(*target);
  std::string sources;
  for (const std::size_t source : open_sources) {
    sources += fmt::format("{}\"{}\"", sources.empty() ? "" : ", ", scheme.tranches[source].id);
  }
  if (open_sources.size() == 1) {
    return fmt::format(
        "tranche {} carries what it leaves into \"{}\" and is still open; close it "
        "first",
        sources, close->tranche_id);
  }
  return fmt::format(
      "tranches {} carry what they leave into \"{}\" and are still open; close "
      "them first",
      sources, close->tranche_id);
}

}  // namespace

Pipeline::Impl::Impl(Pipeline& pipeline, Recovered recovered, PipelineLimits pipeline_limits,
                     Clock wall_clock, std::vector<std::uint8_t> key, DurableLogFactory log_factory,
                     PipelineRole role, CheckpointSigning checkpoint_signing)
    : owner(pipeline),
      limits(pipeline_limits),
      clock(std::move(wall_clock)),
      lottery_seeds(key, recovered.journal->scheme_text()),
      scheme(std::make_shared<const Scheme>(recovered.allocator->scheme())),
      journal_directory(recovered.journal->directory()),
      journal_options{std::string(recovered.journal->scheme_text()), recovered.journal->env(),
                      false},
      idempotency_keys_max(recovered.keys.keys_max()),
      make_log(std::move(log_factory)),
      checkpoints(std::move(checkpoint_signing)),
      queue(pipeline_limits.queue_jobs_max) {
  LOKET_ASSERT(role == PipelineRole::leader || make_log);  // a follower must be able to lead
  owner.following_.store(role == PipelineRole::follower, std::memory_order_release);
  install(std::move(recovered));
  last_checkpoint_at = clock();
  last_closed_day.assign(scheme->tranches.size(), INT32_MIN);
  tranches_closing_order = closing_order(*scheme);
  thread = std::thread([this] { run(); });
  ticker = std::thread([this] { tick(); });
}

// Wakes the allocator thread to look at the clock; sleeps in short steps to stop promptly.
void Pipeline::Impl::tick() {
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
    const bool tick_due = clock_check_due.exchange(false, std::memory_order_acq_rel);
    if (tick_due) publish_gauges();
    if (owner.journal_failed_.load(std::memory_order_acquire)) {
      if (tick_due && !stopping.load(std::memory_order_acquire)) try_reopen();
    } else {
      if (owner.following()) apply_replicated();
      if (tick_due && !owner.following()) close_on_clock();
      if (!owner.following()) checkpoint_if_due();
      // With no more input right now, hand the partial batch to the log.
      if (taken < limits.jobs_per_turn_max) sequencer->log()->flush();
      complete_durable();
      check_journal();
    }
    owner.counters_.awaiting_durability.store(awaiting.size(), std::memory_order_relaxed);
    if (stopping.load(std::memory_order_acquire) && taken == 0 && awaiting.empty()) return;
    if (taken == 0) wake.wait(seen, std::memory_order_acquire);
  }
}

void Pipeline::Impl::handle(std::unique_ptr<Job> job) {
  if (owner.journal_failed_.load(std::memory_order_acquire)) {
    return decline(*job, Declined{JobRefusal::journal_unavailable, journal_problem});
  }
  if (std::holds_alternative<ApplicationQuery>(job->request) ||
      std::holds_alternative<TrancheQuery>(job->request) ||
      std::holds_alternative<CheckpointQuery>(job->request) ||
      std::holds_alternative<ProofQuery>(job->request) ||
      std::holds_alternative<ConsistencyQuery>(job->request)) {
    return handle_query(std::move(job));
  }
  // Sent here before this node followed (net/ redirects the others before they are queued).
  if (owner.following()) return decline(*job, Declined{JobRefusal::not_leader, {}});
  if (!(job = answer_retry(std::move(job)))) return;
  if (const auto* submission = std::get_if<SubmissionRequest>(&job->request)) {
    // Views into the job, which stays where it is when its pointer moves.
    const SubmitCommand command = submission->command();
    // Over HTTP a tranche the scheme does not have is the client's error, journaled nowhere
    // (R3); in an event file it stays a rejected decision.
    if (!scheme->find_tranche(command.tranche_id)) {
      owner.counters_.refused.fetch_add(1, std::memory_order_relaxed);
      return decline(*job, Declined{JobRefusal::unknown_tranche, {}});
    }
    const std::string_view monitoring = submission->monitoring_json;
    return handle_command(std::move(job), command, monitoring);
  }
  if (const auto* appeal = std::get_if<AppealRequest>(&job->request)) {
    const AppealCommand command{appeal->tranche_id, appeal->application_id, appeal->amount_cents,
                                appeal->reference};
    return handle_command(std::move(job), command, "");
  }
  handle_close(std::move(job));
}

void Pipeline::Impl::decline(Job& job, Declined declined) {
  job.complete(JobOutcome{std::move(declined), scheme});
}

// A request with a known Idempotency-Key gets the recorded answer, once the original is
// durable; the same key with another request is refused. Returns the job when it is new.
std::unique_ptr<Job> Pipeline::Impl::answer_retry(std::unique_ptr<Job> job) {
  if (!job->idempotency) return job;
  const IdempotencyIndex::Entry* found = keys->find(*job->idempotency);
  if (found == nullptr) return job;
  if (found->request_hash != job->idempotency->request_hash) {
    decline(*job, Declined{JobRefusal::idempotency_key_reused, {}});
    return nullptr;
  }
  const std::uint64_t sequence = found->accepted->sequence;
  JobOutcome replayed{found->accepted, scheme};
  replayed.idempotent_replay = true;
  await(sequence, std::move(job), std::move(replayed));
  return nullptr;
}

// Stamps the command with its arrival time, has the Sequencer decide and journal it, and
// answers once it is durable. A refused command is answered at once and journals nothing.
void Pipeline::Impl::handle_command(std::unique_ptr<Job> job, const Command& command,
                                    std::string_view monitoring) {
  const Applied applied = sequencer->apply(command, job->received_at, monitoring, job->idempotency);
  if (applied.refusal != Refusal::none) {
    owner.counters_.refused.fetch_add(1, std::memory_order_relaxed);
    return decline(*job, Declined{applied.refusal, refusal_detail(sequencer->allocator(), command,
                                                                  applied.refusal)});
  }
  owner.counters_.accepted.fetch_add(1, std::memory_order_relaxed);
  if (std::holds_alternative<SubmitCommand>(command)) {
    LOKET_ASSERT(applied.decisions.size() == 1);
    const auto outcome = static_cast<std::size_t>(applied.decisions.front().outcome);
    owner.counters_.submissions_by_outcome[outcome].fetch_add(1, std::memory_order_relaxed);
  }
  std::shared_ptr<const Accepted> accepted =
      Accepted::make(applied.sequence, applied.timestamp, applied.record_hash, command,
                     applied.decisions, applied.first_leaf_index);
  if (job->idempotency) keys->remember(*job->idempotency, accepted);
  await(applied.sequence, std::move(job), JobOutcome{std::move(accepted), scheme});
}

// A close or close_day: R8 chooses the seed (the committed secret, the operator's, or the
// head hash) before the engine decides.
void Pipeline::Impl::handle_close(std::unique_ptr<Job> job) {
  CloseRequest& close = std::get<CloseRequest>(job->request);
  if (const std::optional<SeedRefusal> refusal =
          lottery_seeds.choose(sequencer->allocator(), sequencer->head_hash(), close.tranche_id,
                               close.day, close.beacon, close.seed)) {
    owner.counters_.refused.fetch_add(1, std::memory_order_relaxed);
    return decline(*job, Declined{*refusal, {}});
  }
  const Command command = close.day
                              ? Command(CloseDayCommand{close.tranche_id, *close.day, close.seed})
                              : Command(CloseCommand{close.tranche_id, close.seed});
  const Sequence before = sequencer->last_sequence();
  handle_command(std::move(job), command, "");
  // A refused close changed nothing: no checkpoint is due for it.
  if (sequencer->last_sequence() != before) closed_since_checkpoint = true;
}

// A query's answer is shown only once everything it reflects is durable.
void Pipeline::Impl::handle_query(std::unique_ptr<Job> job) {
  const Allocator& allocator = sequencer->allocator();
  JobOutcome outcome{Declined{}, scheme, allocator.last_sequence()};
  if (const auto* query = std::get_if<ApplicationQuery>(&job->request)) {
    const std::optional<ApplicationStatus> found =
        allocator.find_application(query->application_id);
    if (!found) return decline(*job, Declined{JobRefusal::unknown_application, {}});
    outcome.result = ApplicationView{std::string(found->application_id), *found};
  } else if (const auto* proof = std::get_if<ProofQuery>(&job->request)) {
    std::variant<ProofView, Declined> answered = answer_proof(proof->application_id);
    if (auto* declined = std::get_if<Declined>(&answered)) return decline(*job, *declined);
    outcome.result = std::get<ProofView>(std::move(answered));
  } else if (const auto* sizes = std::get_if<ConsistencyQuery>(&job->request)) {
    const DecisionTree& tree = sequencer->decision_tree();
    if (sizes->from_size == 0 || sizes->from_size > sizes->to_size ||
        sizes->to_size > tree.latest_checkpoint_size()) {
      return decline(*job, Declined{JobRefusal::sizes_out_of_range,
                                    std::to_string(tree.latest_checkpoint_size())});
    }
    outcome.result =
        ConsistencyView{sizes->from_size, sizes->to_size,
                        tree.tree().consistency_proof(sizes->from_size, sizes->to_size)};
  } else if (std::holds_alternative<CheckpointQuery>(job->request)) {
    const std::string& note = sequencer->decision_tree().latest_checkpoint();
    if (note.empty()) return decline(*job, Declined{JobRefusal::no_checkpoint, {}});
    outcome.result = CheckpointView{note};
  } else {
    const std::optional<std::size_t> index =
        scheme->find_tranche(std::get<TrancheQuery>(job->request).tranche_id);
    if (!index) return decline(*job, Declined{JobRefusal::unknown_tranche, {}});
    outcome.result = TrancheView{*index, allocator.tranche_status(*index)};
  }
  const std::uint64_t as_of = outcome.as_of_sequence;
  await(as_of, std::move(job), std::move(outcome));
}

void Pipeline::Impl::publish_gauges() {
  if (!sequencer) return;  // the journal failed: the last published figures stand
  const Allocator& allocator = sequencer->allocator();
  std::vector<TrancheStatus> tranches;
  for (std::size_t index = 0; index < scheme->tranches.size(); ++index) {
    tranches.push_back(allocator.tranche_status(index));
  }
  const std::lock_guard lock(gauges_mutex);
  const DecisionTree& tree = sequencer->decision_tree();
  gauges = {scheme, std::move(tranches), allocator.last_sequence(), tree.size(),
            tree.latest_checkpoint_size()};
}

std::size_t Pipeline::queue_jobs_max() const {
  return impl_->limits.queue_jobs_max;
}

Pipeline::TrancheGauges Pipeline::tranche_gauges() const {
  const std::lock_guard lock(impl_->gauges_mutex);
  return impl_->gauges;
}

void Pipeline::Impl::await(std::uint64_t sequence, std::unique_ptr<Job> job, JobOutcome outcome) {
  if (sequence <= sequencer->log()->durable_sequence()) {
    job->complete(std::move(outcome));
    return;
  }
  LOKET_ASSERT(awaiting.empty() || awaiting.back().sequence <= sequence);
  awaiting.push_back(Awaiting{sequence, std::move(job), std::move(outcome)});
}

void Pipeline::Impl::complete_durable() {
  const std::uint64_t durable = sequencer->log()->durable_sequence();
  while (!awaiting.empty() && awaiting.front().sequence <= durable) {
    Awaiting& front = awaiting.front();
    front.job->complete(std::move(front.outcome));
    awaiting.pop_front();
  }
}

TimestampNs Pipeline::system_clock_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Pipeline::Pipeline(Recovered recovered, PipelineLimits limits, Clock clock,
                   std::vector<std::uint8_t> lottery_key, DurableLogFactory make_log,
                   PipelineRole role, CheckpointSigning checkpoints)
    : impl_(std::make_unique<Impl>(*this, std::move(recovered), limits, std::move(clock),
                                   std::move(lottery_key), std::move(make_log), role,
                                   std::move(checkpoints))) {}

Pipeline::~Pipeline() {
  stop();
}

bool Pipeline::try_enqueue(std::unique_ptr<Job> job) {
  try_enqueue(std::span<std::unique_ptr<Job>>(&job, 1));
  return job == nullptr;
}

void Pipeline::try_enqueue(std::span<std::unique_ptr<Job>> jobs) {
  bool taken_any = false;
  for (std::unique_ptr<Job>& job : jobs) {
    LOKET_ASSERT(job && job->complete);
    if (impl_->stopping.load(std::memory_order_acquire)) break;
    // The place is counted before the push: the allocator thread may pop (and count down)
    // before this thread would otherwise have counted up, and the count must never wrap.
    if (counters_.queue_depth.fetch_add(1, std::memory_order_acq_rel) >=
            impl_->limits.queue_jobs_max ||
        !impl_->queue.bounded_push(job.get())) {
      counters_.queue_depth.fetch_sub(1, std::memory_order_acq_rel);
      counters_.rejected_full.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    job.release();
    taken_any = true;
  }
  // One wake-up for the batch: the allocator thread takes every job queued when it wakes.
  if (taken_any) impl_->wake_up();
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
