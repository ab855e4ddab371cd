// The one shape of an expected failure in every layer: a Status (a code and one sentence) and
// Result<T> (a value, or the Status that says why there is none). Expected operating errors
// (a full disk, a corrupt record, a port in use) are Status values; programmer errors are
// assertions. Domain answers (an engine Refusal, an HTTP Problem) are not errors in this sense
// and stay domain values; the edge that meets both converts between them. Exceptions stay
// inside the parser that throws them, and a type that can fail to construct has a factory
// that returns a Result.
//
// Header-only and dependent on nothing but the standard library (library loket::base), so
// that engine/ can use it without depending on storage/.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace loket {

// What kind of failure, for a caller that acts on it (a damaged journal is refused for good;
// a busy one may be tried again). The message is for people.
enum class StatusCode {
  ok,
  invalid_argument,  // the input is malformed or out of range
  not_found,         // what was asked for is not there
  already_exists,    // what was to be created is there already
  corruption,        // stored data is damaged: the file and place are in the message
  io_error,          // the operating system or the disk refused
  busy,              // the resource is in use (a port, a lock); may work later
  unavailable,       // the service cannot take this now (a failed journal awaiting reopen)
};

const char* status_code_name(StatusCode code);

class Status {
 public:
  static Status ok() { return Status(); }
  static Status invalid_argument(std::string message) {
    return Status(StatusCode::invalid_argument, std::move(message));
  }
  static Status not_found(std::string message) {
    return Status(StatusCode::not_found, std::move(message));
  }
  static Status already_exists(std::string message) {
    return Status(StatusCode::already_exists, std::move(message));
  }
  static Status corruption(std::string message) {
    return Status(StatusCode::corruption, std::move(message));
  }
  static Status io_error(std::string message) {
    return Status(StatusCode::io_error, std::move(message));
  }
  static Status busy(std::string message) { return Status(StatusCode::busy, std::move(message)); }
  static Status unavailable(std::string message) {
    return Status(StatusCode::unavailable, std::move(message));
  }
  // The same message under another code, for a caller that knows better what the failure
  // means (a decoder's invalid argument is a journal's corruption).
  Status with_code(StatusCode code) const { return Status(code, message_); }

  bool is_ok() const { return code_ == StatusCode::ok; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }  // empty when ok

 private:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {
    if (code_ == StatusCode::ok) code_ = StatusCode::invalid_argument;  // never an ok failure
    if (message_.empty()) message_ = "unknown error";
  }
  StatusCode code_ = StatusCode::ok;
  std::string message_;
};

inline const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::ok:
      return "ok";
    case StatusCode::invalid_argument:
      return "invalid argument";
    case StatusCode::not_found:
      return "not found";
    case StatusCode::already_exists:
      return "already exists";
    case StatusCode::corruption:
      return "corruption";
    case StatusCode::io_error:
      return "I/O error";
    case StatusCode::busy:
      return "busy";
    case StatusCode::unavailable:
      return "unavailable";
  }
  return "unknown";
}

// A value, or the Status (never ok) that says why there is none. Asking a failed Result for
// its value is a programmer error and throws std::bad_variant_access; check ok() first.
template <typename T>
class Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "a Result<Status> is just a Status");

 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}          // NOLINT: implicit
  Result(Status failure) : state_(std::in_place_index<1>, std::move(failure)) {  // NOLINT
    if (std::get<1>(state_).is_ok()) {
      state_.template emplace<1>(Status::invalid_argument("a Result failed with an ok status"));
    }
  }

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

  // Status::ok() when there is a value.
  Status status() const { return ok() ? Status::ok() : std::get<1>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace loket
