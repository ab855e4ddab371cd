#include "testing/fault_injection.hpp"

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <chrono>
#include <thread>

namespace loket {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

constexpr std::chrono::milliseconds stall_poll_interval{1};

class BufferedUntilSyncFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  BufferedUntilSyncFile(std::unique_ptr<rocksdb::FSWritableFile> file,
                        std::shared_ptr<StorageFaults> faults)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(std::move(faults)) {}

  IOStatus Append(const rocksdb::Slice& data, const IOOptions&, IODebugContext*) override {
    if (faults_->crashed) return IOStatus::OK();
    if (faults_->disk_full) return injected(IOStatus::NoSpace("injected: disk full"));
    if (faults_->fail_write) return injected(IOStatus::IOError("injected: write failed"));
    unsynced_.append(data.data(), data.size());
    return IOStatus::OK();
  }
  IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo&, IODebugContext* debug) override {
    return Append(data, options, debug);
  }
  IOStatus Flush(const IOOptions&, IODebugContext*) override { return IOStatus::OK(); }
  IOStatus Sync(const IOOptions& options, IODebugContext* debug) override {
    return write_through(options, debug, /*sync=*/true);
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* debug) override {
    return write_through(options, debug, /*sync=*/true);
  }
  IOStatus RangeSync(std::uint64_t, std::uint64_t, const IOOptions& options,
                     IODebugContext* debug) override {
    return write_through(options, debug, /*sync=*/true);
  }
  IOStatus Close(const IOOptions& options, IODebugContext* debug) override {
    if (faults_->crashed) return IOStatus::OK();  // the process is gone; nothing is written
    // A clean close hands the data to the operating system, as close(2) does.
    const IOStatus written = write_through(options, debug, /*sync=*/false);
    if (!written.ok()) return written;
    return target()->Close(options, debug);
  }
  std::uint64_t GetFileSize(const IOOptions& options, IODebugContext* debug) override {
    return target()->GetFileSize(options, debug) + unsynced_.size();
  }

 private:
  IOStatus injected(IOStatus status) {
    faults_->faults_injected.fetch_add(1);
    return status;
  }

  IOStatus write_through(const IOOptions& options, IODebugContext* debug, bool sync) {
    if (faults_->crashed) return IOStatus::IOError("injected: crashed");
    if (sync && faults_->fail_sync) return injected(IOStatus::IOError("injected: sync failed"));
    while (sync && faults_->stall_sync) std::this_thread::sleep_for(stall_poll_interval);
    if (sync && faults_->slow_sync) std::this_thread::sleep_for(slow_sync_delay);
    if (!unsynced_.empty()) {
      const IOStatus appended = target()->Append(unsynced_, options, debug);
      if (!appended.ok()) return appended;
      unsynced_.clear();
    }
    if (!sync) return target()->Flush(options, debug);
    const IOStatus synced = target()->Sync(options, debug);
    if (synced.ok()) faults_->syncs.fetch_add(1);
    return synced;
  }

  std::shared_ptr<StorageFaults> faults_;
  std::string unsynced_;
};

class FaultInjectionFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultInjectionFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base,
                           std::shared_ptr<StorageFaults> faults)
      : FileSystemWrapper(base), faults_(std::move(faults)) {}

  const char* Name() const override { return "LoketFaultInjection"; }

  IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                           IODebugContext* debug) override {
    if (faults_->crashed) return IOStatus::IOError("injected: crashed");
    std::unique_ptr<rocksdb::FSWritableFile> file;
    const IOStatus status = target()->NewWritableFile(name, options, &file, debug);
    if (status.ok()) *result = std::make_unique<BufferedUntilSyncFile>(std::move(file), faults_);
    return status;
  }
  IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                              IODebugContext* debug) override {
    if (faults_->crashed) return IOStatus::IOError("injected: crashed");
    std::unique_ptr<rocksdb::FSWritableFile> file;
    const IOStatus status = target()->ReopenWritableFile(name, options, &file, debug);
    if (status.ok()) *result = std::make_unique<BufferedUntilSyncFile>(std::move(file), faults_);
    return status;
  }

 private:
  std::shared_ptr<StorageFaults> faults_;
};

class UnsyncedFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  using FSWritableFileOwnerWrapper::FSWritableFileOwnerWrapper;
  IOStatus Sync(const IOOptions& options, IODebugContext* debug) override {
    return target()->Flush(options, debug);
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* debug) override {
    return target()->Flush(options, debug);
  }
  IOStatus RangeSync(std::uint64_t, std::uint64_t, const IOOptions&, IODebugContext*) override {
    return IOStatus::OK();
  }
};

class UnsyncedFileSystem : public rocksdb::FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  const char* Name() const override { return "LoketUnsynced"; }
  IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                           IODebugContext* debug) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    const IOStatus status = target()->NewWritableFile(name, options, &file, debug);
    if (status.ok()) *result = std::make_unique<UnsyncedFile>(std::move(file));
    return status;
  }
};

}  // namespace

UnsyncedEnv make_unsynced_env() {
  UnsyncedEnv result;
  result.file_system = std::make_shared<UnsyncedFileSystem>(rocksdb::FileSystem::Default());
  result.env = rocksdb::NewCompositeEnv(result.file_system);
  return result;
}

FaultInjectionEnv make_fault_injection_env() {
  FaultInjectionEnv result;
  result.faults = std::make_shared<StorageFaults>();
  result.file_system =
      std::make_shared<FaultInjectionFileSystem>(rocksdb::FileSystem::Default(), result.faults);
  result.env = rocksdb::NewCompositeEnv(result.file_system);
  return result;
}

}  // namespace loket
