// `loket loadtest`'s pre-flight: before a single registration is sent (and journaled), the
// target must answer, the tranche exist and be open by the server's own figures, the portal
// token be accepted, and the auditor token (when the record is to be checked) read what the
// auditor reads. A mistake in the settings is found in a second, not after the whole run.
#pragma once

#include <optional>
#include <string>

#include "engine/types.hpp"
#include "loadgen/http_fetch.hpp"
#include "loadgen/loadtest_command.hpp"

namespace loket {

// Nothing when the run may start; otherwise what is wrong, as a sentence.
std::optional<std::string> preflight_problem(const HttpTarget& target,
                                             const LoadtestOptions& options, TimestampNs now_ns);

}  // namespace loket
