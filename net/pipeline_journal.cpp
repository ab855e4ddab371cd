// The pipeline and its journal: taking over a recovered one, noticing that it cannot write,
// reopening it as a restart would; and what the clock journals (closes, R8 commitments).
#include <fmt/format.h>

#include "core/local_log.hpp"
#include "engine/assert.hpp"
#include "net/pipeline_impl.hpp"

namespace loket {

// Takes over a recovered journal: a Sequencer at its last sequence over a new durable log
// (local, or the factory's), and the Idempotency-Keys recovery found in it. A log that cannot
// be made leaves the pipeline failed.
void Pipeline::Impl::install(Recovered recovered) {
  LOKET_ASSERT(recovered.journal && recovered.allocator);
  LOKET_ASSERT(!sequencer && awaiting.empty());
  journal = std::move(recovered.journal);
  owner.counters_.durable_sequence.store(recovered.summary.last_sequence,
                                         std::memory_order_release);
  const std::uint64_t last = recovered.summary.last_sequence;
  // A follower writes what it applies locally; it makes the factory's log when it leads.
  Result<std::unique_ptr<DurableLog>> log =
      make_log && !owner.following() ? make_log(*journal, limits.commit, durable_callback(), last)
                                     : Result<std::unique_ptr<DurableLog>>(local_log(last));
  if (!log.ok()) return fail_journal(log.status().message());
  sequencer = std::make_unique<Sequencer>(std::move(recovered.allocator), std::move(*log),
                                          recovered.summary, std::move(recovered.tree));
  keys.emplace(std::move(recovered.keys));
  if (!owner.following()) commit_lottery_seeds();  // the leader's to journal
  publish_gauges();
  const std::lock_guard lock(readers_mutex);
  journal_for_readers = journal;
}

std::function<void(std::uint64_t)> Pipeline::Impl::durable_callback() {
  return [this](std::uint64_t last_durable) {
    const std::uint64_t before =
        owner.counters_.durable_sequence.exchange(last_durable, std::memory_order_acq_rel);
    owner.counters_.records_committed.fetch_add(last_durable - before, std::memory_order_relaxed);
    owner.counters_.batches_committed.fetch_add(1, std::memory_order_relaxed);
    wake_up();
  };
}

std::unique_ptr<DurableLog> Pipeline::Impl::local_log(std::uint64_t durable_through) {
  return std::make_unique<LocalLog>(*journal, limits.commit, durable_callback(), durable_through);
}

void Pipeline::Impl::check_journal() {
  const Status status = sequencer->log()->status();
  if (!status.is_ok()) fail_journal(status.message());
}

void Pipeline::Impl::fail_journal(const std::string& problem) {
  journal_problem = problem;
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
             "refusing every request as unavailable{}\n",
             journal_problem, owner.counters_.durable_sequence.load(),
             make_log ? ""
                      : fmt::format(" and trying to reopen it every {} ms",
                                    limits.clock_check_interval.count()));
  fail_all_awaiting();
}

void Pipeline::Impl::fail_all_awaiting() {
  while (!awaiting.empty()) {
    decline(*awaiting.front().job, Declined{JobRefusal::journal_failed, journal_problem});
    awaiting.pop_front();
  }
}

// Reopens the journal as a restart would, and runs on it once it takes a synced write again.
// Until then every attempt that fails for a new reason is logged, once.
void Pipeline::Impl::try_reopen() {
  LOKET_ASSERT(owner.journal_failed_.load() && awaiting.empty());
  if (make_log) return;                            // a cluster node restarts and catches up instead
  if (journal && journal.use_count() > 1) return;  // an export still reads it; next tick
  sequencer.reset();  // the log's thread stops; the failed batches were never durable, and
                      // the allocator decided what the journal may not hold
  keys.reset();
  journal.reset();
  RecoveryOptions options;
  options.journal = journal_options;
  options.idempotency_keys_max = idempotency_keys_max;
  options.scheme = scheme.get();
  Result<Recovered> recovered =
      recover_journal(journal_directory, journal_options.scheme_text, options);
  const Status status = recovered.ok() ? recovered->journal->check_writable() : recovered.status();
  if (!status.is_ok()) {
    journal_problem = status.message();
    if (journal_problem != last_reopen_problem) {
      fmt::print(stderr, "loket serve: the journal cannot be reopened yet: {}\n", journal_problem);
      last_reopen_problem = journal_problem;
    }
    return;
  }
  const std::uint64_t records = recovered->summary.records;
  install(std::move(recovered).value());
  last_reopen_problem.clear();
  owner.counters_.journal_reopened.fetch_add(1, std::memory_order_relaxed);
  owner.journal_failed_.store(false, std::memory_order_release);
  fmt::print(stderr,
             "loket serve: the journal writes again: {} records recovered and verified, durable "
             "through sequence {}; accepting submissions\n",
             records, sequencer->last_sequence());
}

// Operator-free closing: the same events an operator would send, journaled like any other.
// Refused (already closed: an operator was first, or before a restart) journals nothing.
bool Pipeline::Impl::apply_internal(const Command& command, TimestampNs timestamp) {
  if (sequencer->apply(command, timestamp).refusal != Refusal::none) return false;
  owner.counters_.accepted.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Pipeline::Impl::close_on_clock() {
  const Allocator& allocator = sequencer->allocator();
  const TimestampNs now = std::max(clock(), sequencer->last_timestamp());
  for (const std::size_t index : tranches_closing_order) {
    const Tranche& tranche = scheme->tranches[index];
    if (allocator.tranche_status(index).closed) continue;
    std::vector<std::uint8_t> seed;
    if (now >= tranche.closes_at) {
      const std::optional<SeedRefusal> refusal = lottery_seeds.choose(
          allocator, sequencer->head_hash(), tranche.id, std::nullopt, {}, seed);
      LOKET_ASSERT(!refusal);  // only an operator's seed or beacon can be refused
      // A refused close (an operator closed it first) changes nothing: no checkpoint is due.
      if (apply_internal(CloseCommand{tranche.id, seed}, now)) closed_since_checkpoint = true;
      continue;
    }
    if (tranche.ranking != Ranking::same_day_lottery) continue;
    const LocalDate yesterday = local_date(now, scheme->time_zone) - 1;
    if (yesterday < local_date(tranche.opens_at, scheme->time_zone) ||
        yesterday <= last_closed_day[index]) {
      continue;
    }
    const std::optional<SeedRefusal> refusal =
        lottery_seeds.choose(allocator, sequencer->head_hash(), tranche.id, yesterday, {}, seed);
    LOKET_ASSERT(!refusal);
    if (apply_internal(CloseDayCommand{tranche.id, yesterday, seed}, now)) {
      closed_since_checkpoint = true;
    }
    last_closed_day[index] = yesterday;
  }
}

// R8: commits every lottery tranche that has no commitment and no submission yet. The
// allocator refuses the others (already answered clients, or closed), which journals nothing.
void Pipeline::Impl::commit_lottery_seeds() {
  for (const CommitSeedCommand& command : lottery_seeds.commitments(sequencer->allocator())) {
    apply_internal(command, std::max(clock(), sequencer->last_timestamp()));
  }
}

}  // namespace loket
