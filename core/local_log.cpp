#include "core/local_log.hpp"

namespace loket {

LocalLog::LocalLog(Journal& journal, GroupCommitLimits limits,
                   std::function<void(std::uint64_t last_durable)> on_durable,
                   std::uint64_t durable_through)
    : committer_(journal, limits, std::move(on_durable), durable_through) {}

}  // namespace loket
