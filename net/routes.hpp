// The HTTP API's routes, as a pure function from (method, path) to an endpoint or a problem,
// and who may call what. Testable without a socket.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "net/problem.hpp"
#include "net/tokens.hpp"
#include "storage/export_rows.hpp"

namespace loket {

enum class Endpoint : std::uint8_t {
  submit,          // POST /v1/tranches/{tranche}/submissions
  get_submission,  // GET  /v1/submissions/{id}
  get_tranche,     // GET  /v1/tranches/{tranche}
  close,           // POST /v1/tranches/{tranche}/close
  close_day,       // POST /v1/tranches/{tranche}/close-day
  appeal,          // POST /v1/tranches/{tranche}/appeals
  metrics,         // GET  /metrics
  healthz,         // GET  /healthz
  readyz,          // GET  /readyz
  export_records,  // GET  /v1/export/{events|decisions}.{jsonl|csv}[?dialect=excel-nl]
  cluster,         // GET  /v1/cluster
  checkpoint,      // GET  /v1/checkpoint
  get_proof,       // GET  /v1/submissions/{id}/proof
  consistency,     // GET  /v1/proofs/consistency?from=M&to=N
  ops_page,        // GET  /ops
  ops_stream,      // GET  /v1/ops/stream
};

// The endpoints whose commands are journaled, and so may carry an Idempotency-Key.
constexpr bool is_journaled(Endpoint endpoint) {
  return endpoint == Endpoint::submit || endpoint == Endpoint::close ||
         endpoint == Endpoint::close_day || endpoint == Endpoint::appeal;
}

struct RouteMatch {
  Endpoint endpoint = Endpoint::healthz;
  std::string tranche_id;
  std::string application_id;
  ExportKind export_kind = ExportKind::decisions_jsonl;
  CsvDialect csv_dialect = rfc4180_dialect;  // export: `?dialect=`, for CSV only
  std::uint64_t from_size = 0;               // consistency: the two tree sizes
  std::uint64_t to_size = 0;
};

// 404 for an unknown path, 405 for a known path with another method (naming the one it
// serves in Problem::allow), 400 for a query the path does not take: `invalid-query` for the
// consistency proof, `invalid-dialect` for an export (field `dialect`).
std::variant<RouteMatch, Problem> match_route(std::string_view method, std::string_view target);

bool needs_token(Endpoint endpoint);
bool role_may(Role role, Endpoint endpoint);

}  // namespace loket
