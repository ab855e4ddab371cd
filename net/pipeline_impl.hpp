// The pipeline's insides (net/pipeline.hpp), shared by pipeline.cpp (jobs and the loop) and
// pipeline_journal.cpp (taking over, losing and reopening the journal; the clock's closes).
// Everything but the queue, the counters and `stopping` is touched by the allocator thread
// only.
#pragma once

#include <boost/lockfree/queue.hpp>
#include <deque>
#include <mutex>

#include "core/lottery_seeds.hpp"
#include "core/replica_feed.hpp"
#include "core/sequencer.hpp"
#include "net/pipeline.hpp"

namespace loket {

struct Pipeline::Impl {
  Impl(Pipeline& pipeline, Recovered recovered, PipelineLimits pipeline_limits, Clock wall_clock,
       std::vector<std::uint8_t> key, DurableLogFactory log_factory, PipelineRole role,
       CheckpointSigning checkpoint_signing);

  void wake_up() {
    wake.fetch_add(1, std::memory_order_release);
    wake.notify_one();
  }

  // The loop and the jobs (pipeline.cpp).
  void run();
  void tick();
  void handle(std::unique_ptr<Job> job);
  std::unique_ptr<Job> answer_retry(std::unique_ptr<Job> job);
  void handle_command(std::unique_ptr<Job> job, const Command& command,
                      std::string_view monitoring);
  void handle_close(std::unique_ptr<Job> job);
  void handle_query(std::unique_ptr<Job> job);
  void decline(Job& job, Declined declined);
  void await(std::uint64_t sequence, std::unique_ptr<Job> job, JobOutcome outcome);
  void complete_durable();

  // The journal and the clock (pipeline_journal.cpp).
  void install(Recovered recovered);
  void fail_journal(const std::string& problem);
  void check_journal();
  void fail_all_awaiting();
  void try_reopen();
  void close_on_clock();
  void commit_lottery_seeds();
  bool apply_internal(const Command& command, TimestampNs timestamp);  // false: refused
  void publish_gauges();
  // pipeline_checkpoint.cpp
  void checkpoint_if_due();
  std::variant<ProofView, Declined> answer_proof(const std::string& application_id);
  std::function<void(std::uint64_t)> durable_callback();  // counts, and wakes the loop
  std::unique_ptr<DurableLog> local_log(std::uint64_t durable_through);

  // A follower's (pipeline_follower.cpp).
  void apply_replicated();
  void take_the_lead();

  Pipeline& owner;
  const PipelineLimits limits;
  const Clock clock;
  const LotterySeeds lottery_seeds;  // R8
  // Parsed once; outlives every outcome that names it, across reopens.
  const std::shared_ptr<const Scheme> scheme;
  // What it takes to reopen the journal.
  const std::string journal_directory;
  const JournalOptions journal_options;
  const std::size_t idempotency_keys_max;
  const DurableLogFactory make_log;  // empty: a LocalLog, reopened after a failure
  const CheckpointSigning checkpoints;
  bool closed_since_checkpoint = false;  // a close (or an attempt) since the latest checkpoint
  TimestampNs last_checkpoint_at = 0;
  // From the journal, replaced together when it is reopened (the export reads the journal
  // through journal_for_readers).
  std::shared_ptr<Journal> journal;
  std::unique_ptr<Sequencer> sequencer;
  std::optional<IdempotencyIndex> keys;
  mutable std::mutex readers_mutex;  // exports only, never the submission path
  std::shared_ptr<const Journal> journal_for_readers;
  std::string journal_problem;  // why it cannot write
  std::string last_reopen_problem;
  boost::lockfree::queue<Job*> queue;
  std::atomic<std::uint64_t> wake{0};
  std::atomic<bool> stopping{false};
  struct Awaiting {
    std::uint64_t sequence;
    std::unique_ptr<Job> job;
    JobOutcome outcome;
  };
  std::deque<Awaiting> awaiting;
  std::vector<LocalDate> last_closed_day;  // per tranche, by the clock
  // The tranches by closes_at, so that a carry-over source closes before its target (R11).
  std::vector<std::size_t> tranches_closing_order;
  std::atomic<bool> clock_check_due{false};
  // A follower's: chunks offered and not yet applied, the leader's URL, a promotion asked for.
  mutable std::mutex follower_mutex;
  std::vector<std::string> offered_chunks;
  std::size_t offered_bytes = 0;  // in offered_chunks
  std::string leader_url;
  Pipeline::ClusterView cluster_view;
  bool promotion_requested = false;
  mutable std::mutex gauges_mutex;  // /metrics reads, the allocator thread writes once a tick
  Pipeline::TrancheGauges gauges;
  ReplicaFeed replica_feed;  // the allocator thread's only
  std::thread thread;
  std::thread ticker;
};

}  // namespace loket
