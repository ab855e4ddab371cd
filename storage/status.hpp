// The result of a storage operation: ok, or what went wrong in one sentence. Expected
// operating errors (a full disk, a corrupt record) are Status values; programmer errors are
// assertions.
#pragma once

#include <string>
#include <utility>

namespace loket {

class Status {
 public:
  static Status ok() { return Status(); }
  static Status error(std::string message) { return Status(std::move(message)); }

  bool is_ok() const { return message_.empty(); }
  const std::string& message() const { return message_; }

 private:
  Status() = default;
  explicit Status(std::string message) : message_(std::move(message)) {
    if (message_.empty()) message_ = "unknown error";
  }
  std::string message_;
};

}  // namespace loket
