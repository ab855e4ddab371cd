// The opening-day pipeline: I/O threads hand jobs to the single allocator thread over a
// bounded lock-free queue; the allocator thread assigns the sequence (arrival order) and a
// timestamp that never decreases, decides, encodes the record and appends it to the group
// committer; a job's reply is released only once the journal's durable sequence covers it.
// Queries wait the same way, so nothing that is not durable is ever shown.
//
// When the journal cannot write (a failed sync or write, a full disk), nothing more is
// acknowledged: every job is declined (journal_unavailable) and healthy() is false. On each clock
// tick the allocator thread then tries to reopen the journal, as a restart would: close it, open,
// verify and replay it, and make one synced write. Once that works the pipeline runs again
// on what the journal holds, without a restart.
//
// The loop itself (decide, seal, append) is core/'s Sequencer; the pipeline feeds it, keeps
// the Idempotency-Keys, holds each outcome until it is durable and closes on the clock.
//
// Threads: any number of I/O threads call try_enqueue(); one allocator thread (owned here)
// touches the Sequencer; the durable log's thread syncs. A job is a typed request and its
// outcome a typed answer (net/job.hpp): Job::complete runs on the allocator thread and must
// only hand the outcome over; the server renders it (net/replies.hpp) on the connection's
// executor. Nothing on the allocator thread formats JSON or knows an HTTP status.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/durable_log.hpp"
#include "core/recovery.hpp"
#include "engine/lottery.hpp"
#include "net/job.hpp"
#include "proof/signed_note.hpp"
#include "storage/group_commit.hpp"

namespace loket {

struct PipelineLimits {
  std::size_t queue_jobs_max = 65536;  // beyond this, try_enqueue refuses
  std::size_t jobs_per_turn_max = 256;
  // How often the allocator thread looks at the clock to close windows and lottery days,
  // and, while the journal cannot write, tries to reopen it.
  std::chrono::milliseconds clock_check_interval{1000};
  GroupCommitLimits commit;
};

// Signed checkpoints of the decision tree (docs/verify.md): the leader journals one after each
// close and, when decisions were added since the last, every `interval`. None without a key.
struct CheckpointSigning {
  std::optional<NoteSignerKey> key;
  std::chrono::seconds interval{60};
};

// Makes the durable log a Sequencer hands its records to, for a journal after its last
// sequence (durable_through); on_durable must run after each durable batch. Empty: the local
// group commit (core/local_log.hpp). A cluster's leader passes one that makes its replicated
// log (replication/replicated_log.hpp); a failure leaves the pipeline failed from the start.
using DurableLogFactory = std::function<Result<std::unique_ptr<DurableLog>>(
    Journal& journal, GroupCommitLimits limits, std::function<void(std::uint64_t)> on_durable,
    std::uint64_t durable_through)>;

// A cluster node's part (docs/cluster.md). A single node, and a cluster's leader, take
// commands; a follower takes none of its own: it applies the leader's events as they come
// (offer_replicated) and answers queries, until promote() makes it the leader.
enum class PipelineRole : std::uint8_t { leader, follower };

struct PipelineCounters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> rejected_full{0};  // try_enqueue refused: the queue was full
  std::atomic<std::uint64_t> refused{0};        // commands the engine or R8 refused
  std::array<std::atomic<std::uint64_t>, outcome_count> submissions_by_outcome{};
  std::atomic<std::uint64_t> queue_depth{0};
  std::atomic<std::uint64_t> awaiting_durability{0};
  std::atomic<std::uint64_t> durable_sequence{0};
  std::atomic<std::uint64_t> records_committed{0};  // by this process
  std::atomic<std::uint64_t> batches_committed{0};
  std::atomic<std::uint64_t> journal_failures{0};
  std::atomic<std::uint64_t> journal_reopened{0};   // without a restart
  std::atomic<std::uint64_t> replicated_events{0};  // applied from the leader's log
};

class Pipeline {
 public:
  using Clock = std::function<TimestampNs()>;  // nanoseconds since the epoch, UTC
  static TimestampNs system_clock_now();

  // Takes over a recovered journal and allocator; starts the allocator thread. The clock
  // closes windows at closes_at and same-day lottery days after local midnight, journaling
  // the same close and close_day events an operator would.
  //
  // R8: every lottery tranche without a seed commitment and without submissions (all of them
  // in a new journal) is committed to at once, before any submission is taken: a commit_seed
  // record whose secrets derive from lottery_key (core/lottery_seeds.hpp). Each draw then reveals
  // its secret; the secrets are derived again after a restart, never stored. A tranche of an
  // older journal that has submissions but no commitment draws with the head hash, as before.
  // lottery_key: not empty, and the one the journal's commitments were made with.
  //
  // make_log: see DurableLogFactory. With one, a log that fails is not reopened: a cluster
  // node whose log failed no longer leads, and must restart and catch up (docs/cluster.md).
  // A follower writes to the local group commit, and makes its log with make_log on promote().
  Pipeline(Recovered recovered, PipelineLimits limits, Clock clock = system_clock_now,
           std::vector<std::uint8_t> lottery_key = {development_lottery_key.begin(),
                                                    development_lottery_key.end()},
           DurableLogFactory make_log = {}, PipelineRole role = PipelineRole::leader,
           CheckpointSigning checkpoints = {});
  ~Pipeline();  // stop()
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // From any thread: false when the queue is full or the pipeline is stopping.
  bool try_enqueue(std::unique_ptr<Job> job);
  // The same for several jobs, in order, with one wake-up of the allocator thread: each job
  // taken is moved out of `jobs`; those left in it were refused.
  void try_enqueue(std::span<std::unique_ptr<Job>> jobs);
  // Finishes every queued job, waits until its records are durable, stops the threads.
  void stop();

  bool healthy() const { return !journal_failed_.load(std::memory_order_acquire); }

  // A follower's, from the thread that tails the leader's log. offer_replicated: the log's
  // next chunks, in order, from where the recovered journal was level with it (a chain that
  // does not link fails the pipeline). set_leader_url: where writes are sent (empty: no leader
  // is known). promote: once everything up to the log's tail was offered and this node was
  // elected; the pipeline applies what it was offered, then leads.
  bool following() const { return following_.load(std::memory_order_acquire); }
  void offer_replicated(std::vector<std::string> chunks);
  std::size_t offered_bytes_pending() const;  // offered, not yet taken by the allocator thread
  void set_leader_url(std::string url);
  std::string leader_url() const;
  void promote();

  // A cluster node's view of its cluster, kept fresh by its node thread (any node's; empty
  // for a single node): for GET /v1/cluster and /metrics.
  struct ClusterView {
    std::int64_t leader_epoch = 0;
    std::uint64_t log_sequence = 0;  // the last sequence in etcd's log, as last read
    std::string status_json;         // GET /v1/cluster's body; empty: not a cluster node
  };
  void set_cluster_view(ClusterView view);
  ClusterView cluster_view() const;
  // Every tranche's state as the allocator thread last published it: at the start and on
  // each clock check (PipelineLimits::clock_check_interval), never on the submission path.
  // For /metrics; as of `as_of_sequence`, which may run a batch ahead of the durable one.
  // A pool's compartment_id views the allocator's scheme, which a reopened journal replaces:
  // name it from `scheme` (Tranche::pool_compartment_id), as GET /v1/tranches does.
  struct TrancheGauges {
    std::shared_ptr<const Scheme> scheme;
    std::vector<TrancheStatus> tranches;
    std::uint64_t as_of_sequence = 0;
    std::uint64_t decisions = 0;        // leaves in the decision tree
    std::uint64_t checkpoint_size = 0;  // leaves the latest signed checkpoint pins
  };
  TrancheGauges tranche_gauges() const;
  const PipelineCounters& counters() const { return counters_; }
  std::size_t queue_jobs_max() const;
  std::uint64_t durable_sequence() const {
    return counters_.durable_sequence.load(std::memory_order_acquire);
  }
  // For readers beside the pipeline (the export): records up to durable_sequence() are
  // final. Nothing while the journal cannot write; a reader that holds it keeps the journal
  // from being reopened, so it must not hold it for long.
  std::shared_ptr<const Journal> journal_for_reading() const;

 private:
  struct Impl;
  // Declared before impl_: its constructor starts the allocator thread, which uses these.
  PipelineCounters counters_;
  std::atomic<bool> journal_failed_{false};
  std::atomic<bool> following_{false};
  std::unique_ptr<Impl> impl_;
};

}  // namespace loket
