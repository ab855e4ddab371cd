#include "net/replies.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "engine/assert.hpp"
#include "engine/civil_time.hpp"
#include "net/limits.hpp"
#include "parse/event_json.hpp"

namespace loket {
namespace {

namespace json = boost::json;

// Enough for a receipt with ids at their limits, so that its body is allocated once.
constexpr std::size_t reply_bytes_typical = 512;

// The receipt's members, without braces. Written into one buffer: this runs once per
// registration on the I/O threads, which are the busiest on opening day.
void append_receipt(std::string& out, const Scheme& scheme, const Accepted& accepted,
                    const Decision& decision) {
  auto back = std::back_inserter(out);
  fmt::format_to(back, R"("seq":{},"received_at":"{}","id":)", accepted.sequence,
                 format_rfc3339(accepted.timestamp));
  // Application ids, reasons and compartment ids are restricted to characters that need no
  // escaping (engine/submission_checks.cpp, parse/scheme_toml.cpp).
  if (decision.application_id.empty()) {
    out += "null";
  } else {
    fmt::format_to(back, "\"{}\"", decision.application_id);
  }
  // The tranche id comes from the request's path and may need escaping.
  fmt::format_to(back, ",\"tranche\":{}", json::serialize(json::string(accepted.tranche_id)));
  fmt::format_to(back, R"(,"outcome":"{}","reason":)", to_string(decision.outcome));
  if (decision.reason == Reason::none) {
    out += "null";
  } else {
    fmt::format_to(back, "\"{}\"", to_string(decision.reason));
  }
  if (decision.reason == Reason::invalid) {
    fmt::format_to(back, R"(,"field":"{}")", to_string(decision.field));
  }
  out += ",\"compartment\":";
  if (decision.compartment_index == no_compartment) {
    out += "null";
  } else {
    fmt::format_to(
        back, "\"{}\"",
        scheme.tranches.at(decision.tranche_index).compartments.at(decision.compartment_index).id);
  }
  // The receipt reports the command's only decision: the first leaf.
  fmt::format_to(back, R"(,"granted_cents":{},"leaf_index":{},"journal_hash":")",
                 decision.granted_cents, accepted.first_leaf_index);
  append_hex(out, accepted.record_hash);
  out += '"';
}

// The answer to a decided submission: 201 with the receipt, or for an `invalid` decision a
// 422 problem that carries the receipt.
Reply submission_reply(const Scheme& scheme, const Accepted& accepted) {
  LOKET_ASSERT(accepted.decisions.size() == 1);
  const Decision& decision = accepted.decisions.front();
  std::string body;
  body.reserve(reply_bytes_typical);
  body += '{';
  append_receipt(body, scheme, accepted, decision);
  body += '}';
  if (decision.reason != Reason::invalid) {
    return Reply{201, std::move(body), false, 0,
                 decision.application_id.empty()
                     ? std::string()
                     : fmt::format("/v1/submissions/{}", decision.application_id)};
  }
  // The receipt names the field; the problem does not name it a second time.
  return problem_reply(make_problem(422, "invalid-submission",
                                    "The submission was rejected as invalid; it has a receipt",
                                    fmt::format("field \"{}\"", to_string(decision.field))),
                       std::string_view(body).substr(1, body.size() - 2));
}

// The answer to an operator command: its sequence, time, seed and every decision it caused,
// each as the export writes it (one JSON object per decision, joined into an array).
Reply operator_reply(const Scheme& scheme, const Accepted& accepted) {
  std::string decided;
  for (const Decision& decision : accepted.decisions) {
    append_decision_json(decided, scheme, accepted.sequence, decision);
  }
  if (!decided.empty()) decided.pop_back();  // the last line's newline
  std::replace(decided.begin(), decided.end(), '\n', ',');
  std::string body = fmt::format(R"({{"seq":{},"received_at":"{}",)", accepted.sequence,
                                 format_rfc3339(accepted.timestamp));
  if (!accepted.seed.empty()) body += fmt::format(R"("seed":"{}",)", to_hex(accepted.seed));
  body += fmt::format(R"("decisions":[{}],"first_leaf_index":{},"journal_hash":"{}"}})", decided,
                      accepted.first_leaf_index, to_hex(accepted.record_hash));
  return Reply{200, std::move(body), false, 0, {}};
}

json::object application_json(const Scheme& scheme, const ApplicationView& view) {
  const ApplicationStatus& found = view.status;
  const bool known_tranche = found.tranche_index < scheme.tranches.size();
  const Tranche* tranche = known_tranche ? &scheme.tranches[found.tranche_index] : nullptr;
  const bool money = tranche != nullptr && !tranche->counts_places;
  json::object body;
  body["id"] = view.application_id;
  body["tranche"] = tranche != nullptr ? tranche->id : "";
  body["outcome"] = to_string(found.outcome);
  body["reason"] =
      found.reason == Reason::none ? json::value(nullptr) : json::value(to_string(found.reason));
  body["compartment"] = money && found.compartment_index != no_compartment &&
                                !tranche->compartments.front().id.empty()
                            ? json::value(tranche->compartments[found.compartment_index].id)
                            : json::value(nullptr);
  body["requested_cents"] = money ? found.requested_units : 0;
  body["granted_cents"] = money ? found.granted_units : 0;
  body["leaf_index"] = found.last_decision_index;
  return body;
}

json::object tranche_json(const Scheme& scheme, const TrancheView& view) {
  const Tranche& tranche = scheme.tranches.at(view.tranche_index);
  const TrancheStatus& status = view.status;
  json::object body;
  body["id"] = tranche.id;
  body["unit"] = tranche.counts_places ? "places" : "cents";
  body["opens_at"] = format_rfc3339(tranche.opens_at);
  body["closes_at"] = format_rfc3339(tranche.closes_at);
  body["closed"] = status.closed;
  // R11: where this tranche's remainder goes at its close, and what moved in and out.
  body["carry_over_to"] = tranche.carry_over_to
                              ? json::value(scheme.tranches.at(*tranche.carry_over_to).id)
                              : json::value(nullptr);
  std::int64_t carried_in_units = 0;
  std::int64_t carried_out_units = 0;
  for (const PoolStatus& pool : status.pools) {
    carried_in_units += pool.carried_in_units;
    carried_out_units += pool.carried_out_units;
  }
  body["carried_in"] = carried_in_units;
  body["carried_out"] = carried_out_units;
  json::object outcomes;
  for (auto outcome = static_cast<std::size_t>(outcome_first); outcome < outcome_count; ++outcome) {
    outcomes[to_string(static_cast<Outcome>(outcome))] = status.applications_by_outcome[outcome];
  }
  body["applications"] = std::move(outcomes);
  json::array pools;
  for (std::size_t index = 0; index < status.pools.size(); ++index) {
    const PoolStatus& pool = status.pools[index];
    const std::string_view compartment = tranche.pool_compartment_id(index);
    pools.push_back(
        {{"compartment", compartment.empty() ? json::value(nullptr) : json::value(compartment)},
         {"capacity", pool.capacity_units},
         {"remaining", pool.remaining_units},
         {"granted", pool.granted_units},
         {"granted_on_appeal", pool.appeal_granted_units},
         {"transferred_in", pool.transferred_in_units},
         {"transferred_out", pool.transferred_out_units},
         {"carried_in", pool.carried_in_units},
         {"carried_out", pool.carried_out_units},
         {"unmet", pool.unmet_units}});
  }
  body["pools"] = std::move(pools);
  return body;
}

Reply query_reply(json::object body, std::uint64_t as_of_sequence) {
  body["as_of_seq"] = as_of_sequence;
  return Reply{200, json::serialize(body), false, 0, {}};
}

// One title per problem type, whatever refused it (RFC 9457 3.1.3); what this instance was
// goes in its detail.
std::string_view refusal_title(Refusal refusal) {
  switch (refusal) {
    case Refusal::none:
      break;
    case Refusal::unknown_tranche:
      return "No such tranche";
    case Refusal::tranche_closed:
      return "The tranche is closed";
    case Refusal::seed_missing:
      return "A seed is needed";
    case Refusal::day_not_over:
      return "The day is not over yet";
    case Refusal::day_already_closed:
      return "The day is already closed";
    case Refusal::ranking_has_no_days:
      return "This tranche has no lottery days";
    case Refusal::unknown_application:
      return "No such submission";
    case Refusal::application_pending:
      return "The submission waits for its draw";
    case Refusal::appeal_amount_invalid:
      return "The appeal's amount is not valid";
    case Refusal::appeal_exceeds_request:
      return "The appeal grants more than was asked";
    case Refusal::appeal_reference_missing:
      return "The appeal needs a reference";
    case Refusal::duplicate_application_id:
      return "A submission with that id exists";
    case Refusal::capacity_exhausted:
      return "The server holds as many submissions as it can";
    case Refusal::duplicate_appeal:
      return "The submission was already granted on appeal";
    case Refusal::seed_invalid:
      return "The seed is not valid";
    case Refusal::day_outside_window:
      return "The day is outside the tranche's window";
    case Refusal::seed_commitment_invalid:
      return "The seed commitment is not valid";
    case Refusal::seed_commitment_late:
      return "The seed commitment comes too late";
    case Refusal::checkpoint_mismatch:
      return "The checkpoint does not match the journal";
    case Refusal::carry_over_source_open:
      return "A tranche that carries into this one is still open";
  }
  return "Refused";
}

int refusal_status(Refusal refusal) {
  if (refusal == Refusal::unknown_tranche || refusal == Refusal::unknown_application) return 404;
  // Not 503: no retry helps while this journal is in use (RFC 4918 11.5).
  if (refusal == Refusal::capacity_exhausted) return 507;
  return 409;
}

// The problem for a command or query the engine refused; `detail` says what this instance
// was, where the pipeline knows more than the refusal's general description.
Problem refusal_problem(Refusal refusal, const std::string& detail) {
  std::string name(to_string(refusal));
  std::replace(name.begin(), name.end(), '_', '-');
  return make_problem(refusal_status(refusal), name, std::string(refusal_title(refusal)),
                      detail.empty() ? std::string(describe(refusal)) : detail);
}

Problem seed_problem(SeedRefusal refusal) {
  switch (refusal) {
    case SeedRefusal::no_lottery:
      return make_problem(409, "no-lottery", "This tranche ranks by arrival and draws no lottery",
                          "a beacon is mixed into a lottery's seed only", "beacon");
    case SeedRefusal::seed_committed:
      return make_problem(409, "seed-committed",
                          "This tranche's seed was committed before its first submission",
                          "the close reveals the committed secret; send a \"beacon\" to mix in "
                          "a public value, or nothing",
                          "seed");
  }
  LOKET_ASSERT(false);
  return {};
}

Problem job_problem(JobRefusal refusal, const std::string& detail) {
  switch (refusal) {
    case JobRefusal::journal_unavailable:
      return journal_problem(fmt::format("nothing is being accepted: {}", detail));
    case JobRefusal::journal_failed:
      return journal_problem(
          fmt::format("it failed before this was durable, so it may or may not be recorded: {}; "
                      "once the server is ready again, a retry with the same Idempotency-Key "
                      "gets the recorded receipt or records it once",
                      detail));
    case JobRefusal::idempotency_key_reused:
      return make_problem(422, "idempotency-key-reused",
                          "This Idempotency-Key was used for another request",
                          "a retry must repeat the original request exactly",
                          std::string(net_limits::idempotency_key_header));
    case JobRefusal::unknown_application:
      return make_problem(404, "unknown-application", "No such submission");
    case JobRefusal::unknown_tranche:
      return make_problem(404, "unknown-tranche", "No such tranche");
    case JobRefusal::not_leader:  // queued before this node followed: no leader to name yet
      return not_leader_problem({}, {});
    case JobRefusal::not_checkpointed: {
      Problem problem = make_problem(409, "not-checkpointed", "Not checkpointed yet",
                                     "the decision is newer than the latest checkpoint; the next "
                                     "comes within the server's checkpoint interval");
      problem.retry_after_seconds = net_limits::not_checkpointed_retry_after_seconds;
      return problem;
    }
    case JobRefusal::sizes_out_of_range:
      return make_problem(
          400, "sizes-out-of-range", "No such tree sizes",
          fmt::format("a consistency proof needs 1 <= from <= to <= {}, the latest checkpoint's "
                      "size",
                      detail),
          "query");
    case JobRefusal::no_checkpoint:
      return make_problem(404, "no-checkpoint", "No checkpoint yet",
                          "the server journals one after each close and, while decisions are "
                          "made, every checkpoint interval; none without a signing key");
  }
  LOKET_ASSERT(false);
  return {};
}

Problem declined_problem(const Declined& declined) {
  if (const auto* refusal = std::get_if<Refusal>(&declined.why)) {
    return refusal_problem(*refusal, declined.detail);
  }
  if (const auto* seed = std::get_if<SeedRefusal>(&declined.why)) return seed_problem(*seed);
  return job_problem(std::get<JobRefusal>(declined.why), declined.detail);
}

}  // namespace

Reply problem_reply(const Problem& problem, std::string_view extra_members) {
  return Reply{problem.status, problem_json(problem, extra_members), true,
               problem.retry_after_seconds, problem.location};
}

Problem not_leader_problem(std::string_view leader_url, std::string_view target) {
  const bool header_safe = std::all_of(leader_url.begin(), leader_url.end(),
                                       [](char c) { return c > 0x20 && c < 0x7f; });
  if (leader_url.empty() || !header_safe) {
    Problem problem = make_problem(503, "no-leader", "No node leads the cluster right now",
                                   "an election is under way; retry with the same Idempotency-Key");
    problem.retry_after_seconds = net_limits::no_leader_retry_after_seconds;
    return problem;
  }
  std::string base(leader_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  Problem problem = make_problem(307, "not-leader", "This node follows; the leader takes writes",
                                 fmt::format("send the request to the leader at {}", leader_url));
  problem.location = base + std::string(target);
  return problem;
}

// The proof as JSON: everything `loket verify` needs, offline, besides the verifier key.
Reply proof_reply(const ProofView& proof) {
  json::array path;
  for (const MerkleHash& hash : proof.inclusion_proof) path.emplace_back(to_hex(hash));
  json::object body;
  body["id"] = proof.application_id;
  body["leaf_index"] = proof.leaf_index;
  body["line"] = proof.line;
  body["tree_size"] = proof.tree_size;
  body["inclusion_proof"] = std::move(path);
  body["checkpoint"] = proof.checkpoint;
  return Reply{200, json::serialize(body), false, 0, {}};
}

Reply render_reply(const JobOutcome& outcome) {
  if (const auto* declined = std::get_if<Declined>(&outcome.result)) {
    return problem_reply(declined_problem(*declined));
  }
  LOKET_ASSERT(outcome.scheme);
  const Scheme& scheme = *outcome.scheme;
  if (const auto* accepted = std::get_if<std::shared_ptr<const Accepted>>(&outcome.result)) {
    Reply reply = (*accepted)->submission ? submission_reply(scheme, **accepted)
                                          : operator_reply(scheme, **accepted);
    reply.idempotent_replay = outcome.idempotent_replay;
    return reply;
  }
  if (const auto* application = std::get_if<ApplicationView>(&outcome.result)) {
    return query_reply(application_json(scheme, *application), outcome.as_of_sequence);
  }
  if (const auto* proof = std::get_if<ProofView>(&outcome.result)) return proof_reply(*proof);
  if (const auto* consistency = std::get_if<ConsistencyView>(&outcome.result)) {
    json::array path;
    for (const MerkleHash& hash : consistency->proof) path.emplace_back(to_hex(hash));
    json::object body;
    body["from"] = consistency->from_size;
    body["to"] = consistency->to_size;
    body["consistency_proof"] = std::move(path);
    return Reply{200, json::serialize(body), false, 0, {}};
  }
  if (const auto* checkpoint = std::get_if<CheckpointView>(&outcome.result)) {
    return Reply{200, checkpoint->note, false, 0, {}, net_limits::text_content_type};
  }
  return query_reply(tranche_json(scheme, std::get<TrancheView>(outcome.result)),
                     outcome.as_of_sequence);
}

}  // namespace loket
