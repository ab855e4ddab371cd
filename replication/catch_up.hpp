// Before a node leads, its journal must hold exactly the cluster's log (docs/cluster.md,
// "Catching up"). catch_up_from_etcd recovers the node's journal, then makes it level with
// the log in etcd:
//   - events the journal lacks are read from etcd and applied through a Sequencer, as the
//     leader applied them: each is re-derived by the engine, sealed, and must hash exactly as
//     etcd's record does (same bytes, same chain), or catching up stops with a corruption;
//   - records the journal has beyond etcd's tail were never acknowledged (this node led, and
//     died between its own fsync and etcd's commit): when the journal's chain at etcd's tail is
//     etcd's, they are dropped and the journal recovered again;
//   - a journal that is not a prefix of etcd's log, or that is behind the oldest chunk etcd
//     still holds, is refused: the node must be seeded from a copy of another node's journal.
#pragma once

#include <string>

#include "cluster/etcd_log.hpp"
#include "core/recovery.hpp"

namespace loket {

struct CaughtUp {
  Recovered recovered;                // level with etcd's tail
  std::uint64_t events_applied = 0;   // from etcd
  std::uint64_t records_dropped = 0;  // events past etcd's tail, never acknowledged
  std::uint64_t log_chunks = 0;       // level with etcd's log through this chunk (0: none)
};

Result<CaughtUp> catch_up_from_etcd(const std::string& directory, const std::string& scheme_text,
                                    const RecoveryOptions& recovery, EtcdClient& client,
                                    const EtcdLogKeys& keys);

}  // namespace loket
