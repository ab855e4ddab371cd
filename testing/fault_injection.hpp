// A RocksDB file system for failure tests (and, in issue 5, the server's fault drills): it
// keeps what is appended to a file in memory until the file is synced, so that a simulated
// crash loses exactly the data a power cut could lose, and it can be told to fail syncs, fail
// writes or report a full disk. Modelled on LevelDB's fault_injection_test.
#pragma once

#include <rocksdb/env.h>

#include <atomic>
#include <chrono>
#include <memory>

namespace loket {

inline constexpr std::chrono::milliseconds slow_sync_delay{5};

struct StorageFaults {
  std::atomic<bool> fail_sync{false};
  std::atomic<bool> fail_write{false};
  std::atomic<bool> disk_full{false};
  std::atomic<bool> stall_sync{false};  // a disk that stops answering: syncs wait while set
  std::atomic<bool> slow_sync{false};   // a slow disk: each sync takes slow_sync_delay more
  // After a crash nothing more reaches the disk: unsynced bytes are gone, later writes and
  // syncs are dropped, and closing a file writes nothing.
  std::atomic<bool> crashed{false};
  std::atomic<std::uint64_t> syncs{0};            // successful syncs
  std::atomic<std::uint64_t> faults_injected{0};  // operations failed on purpose
};

struct FaultInjectionEnv {
  std::shared_ptr<StorageFaults> faults;
  std::shared_ptr<rocksdb::FileSystem> file_system;
  std::unique_ptr<rocksdb::Env> env;  // give env.get() to JournalOptions::env
};

FaultInjectionEnv make_fault_injection_env();

// A RocksDB environment whose syncs hand the data to the operating system and skip the disk:
// for tests that write synced thousands of times and never crash (the tamper tests). Give
// env.get() to JournalOptions::env.
struct UnsyncedEnv {
  std::shared_ptr<rocksdb::FileSystem> file_system;
  std::unique_ptr<rocksdb::Env> env;
};

UnsyncedEnv make_unsynced_env();

}  // namespace loket
