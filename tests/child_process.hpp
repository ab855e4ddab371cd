// A real program as a child process, for the tests that kill a server, break its disk or
// measure its memory: `loket serve` (or a program with the same log line) on a free loopback
// port, or `loket audit`. Its standard output and error are read all along by a thread of
// this object, so that the child never blocks on a full pipe and its log can be checked
// afterwards; its standard input is a pipe the test may write commands to (the
// fault-injecting server reads it).
//
// Nothing here uses Catch2: the crash loop program uses it too. Failures are values.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace loket::testing {

class ChildProcess {
 public:
  // Starts `program arguments...` at once; the arguments should include `--listen
  // 127.0.0.1:0`. Throws std::runtime_error when the process cannot be started.
  ChildProcess(const std::string& program, const std::vector<std::string>& arguments);
  ~ChildProcess();  // SIGKILL and reap, if it is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits until the log says "listening on http://127.0.0.1:PORT"; the port, or nothing when
  // the process ended or the timeout passed first (log() tells why).
  std::optional<unsigned short> wait_listening(std::chrono::milliseconds timeout);
  // Waits until the log holds `text`; false after the timeout.
  bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout) const;

  void signal(int signal_number) const;
  // Waits for the process to end and for its output to be read, and returns its waitpid
  // status (once; later calls return it again).
  int wait();
  bool running() const;

  // Writes a line to the child's standard input.
  void send_line(std::string_view line) const;

  pid_t pid() const { return pid_; }
  std::string log() const;
  // The resident set size (VmRSS), from /proc; 0 once the process is gone.
  std::size_t rss_bytes() const;

 private:
  void collect_log(int fd);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> status_;
  mutable std::mutex log_mutex_;  // test bookkeeping; the log thread appends
  mutable std::condition_variable log_grew_;
  std::string log_;
  bool log_closed_ = false;
  std::thread log_thread_;
};

}  // namespace loket::testing
