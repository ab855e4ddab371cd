// What the I/O threads hand to the allocator thread, and what comes back: typed requests in,
// typed outcomes out. Nothing here knows HTTP; net/replies.hpp turns an outcome into a status
// code and JSON on the I/O threads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/accepted.hpp"
#include "core/lottery_seeds.hpp"
#include "engine/allocator.hpp"
#include "net/submission_request.hpp"
#include "proof/merkle_tree.hpp"
#include "storage/record.hpp"

namespace loket {

// POST .../close (no day) and .../close-day: R6/R7 closes, with R8's seed or beacon.
struct CloseRequest {
  std::string tranche_id;
  std::optional<LocalDate> day;      // a close_day's lottery day
  std::vector<std::uint8_t> seed;    // an operator's own seed (uncommitted tranches only)
  std::vector<std::uint8_t> beacon;  // R8: a public value mixed into a committed draw
};

// POST .../appeals (R9).
struct AppealRequest {
  std::string tranche_id;
  std::string application_id;
  std::optional<std::int64_t> amount_cents;
  std::string reference;
};

// GET /v1/submissions/{id} and GET /v1/tranches/{id}.
struct ApplicationQuery {
  std::string application_id;
};
struct TrancheQuery {
  std::string tranche_id;
};
// GET /v1/checkpoint.
struct CheckpointQuery {};
// GET /v1/submissions/{id}/proof.
struct ProofQuery {
  std::string application_id;
};

// GET /v1/proofs/consistency?from=M&to=N.
struct ConsistencyQuery {
  std::uint64_t from_size = 0;
  std::uint64_t to_size = 0;
};

using JobRequest = std::variant<SubmissionRequest, CloseRequest, AppealRequest, ApplicationQuery,
                                TrancheQuery, CheckpointQuery, ProofQuery, ConsistencyQuery>;

// Why the pipeline did not do a job, other than the engine's Refusal or R8's SeedRefusal.
enum class JobRefusal : std::uint8_t {
  journal_unavailable,     // the journal cannot write: nothing is being accepted
  journal_failed,          // it failed before this was durable: maybe recorded, maybe not
  idempotency_key_reused,  // the key came with another request before
  unknown_application,     // a query for an id the allocator does not know
  unknown_tranche,         // a query for a tranche the scheme does not have
  not_leader,              // a cluster's follower takes no command; the leader does
  no_checkpoint,           // nothing was checkpointed yet (or the server signs none)
  not_checkpointed,        // the decision is newer than the latest checkpoint
  sizes_out_of_range,      // a consistency proof needs 1 <= from <= to <= the checkpoint's size
};

struct Declined {
  std::variant<Refusal, SeedRefusal, JobRefusal> why;
  // The journal's failure, for the journal refusals; for an engine refusal, what this instance
  // was (the open carry-over sources, R11); else empty.
  std::string detail;
};

// A submission's state as a query found it.
struct ApplicationView {
  std::string application_id;
  ApplicationStatus status;  // its application_id is not used: it points into the allocator
};

// A tranche's state as a query found it.
struct TrancheView {
  std::size_t tranche_index = 0;
  TrancheStatus status;  // its pools' compartment ids are not used: they point into the allocator
};

// The latest journaled checkpoint: a signed note (proof/checkpoint.hpp).
struct CheckpointView {
  std::string note;
};

// An application's latest decision with its inclusion proof against the latest checkpoint.
struct ProofView {
  std::string application_id;
  std::uint64_t leaf_index = 0;
  std::string line;  // the leaf: the decisions export's line, without the newline
  std::uint64_t tree_size = 0;
  std::vector<MerkleHash> inclusion_proof;
  std::string checkpoint;  // the signed note that pins tree_size
};

// A consistency proof between two tree sizes (RFC 9162 2.1.4).
struct ConsistencyView {
  std::uint64_t from_size = 0;
  std::uint64_t to_size = 0;
  std::vector<MerkleHash> proof;
};

struct JobOutcome {
  // Not done; an accepted command (a receipt, an operator's answer); a query's answer.
  std::variant<Declined, std::shared_ptr<const Accepted>, ApplicationView, TrancheView,
               CheckpointView, ProofView, ConsistencyView>
      result;
  // Names the tranches and compartments the outcome refers to by index.
  std::shared_ptr<const Scheme> scheme;
  std::uint64_t as_of_sequence = 0;  // a query's: what it reflects
  bool idempotent_replay = false;    // the recorded answer to an earlier Idempotency-Key
};

struct Job {
  explicit Job(JobRequest&& typed) : request(std::move(typed)) {}

  JobRequest request;
  TimestampNs received_at = 0;                // stamped by the I/O thread on arrival
  std::optional<IdempotencyTag> idempotency;  // the request's Idempotency-Key, hashed
  // Called on the allocator thread; must only hand the outcome over to another thread.
  std::function<void(JobOutcome)> complete;
};

}  // namespace loket
