#include "tests/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace loket::testing {
namespace {

constexpr std::string_view listening_marker = "listening on http://127.0.0.1:";
constexpr std::chrono::seconds log_drain_timeout{10};

}  // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& arguments) {
  // A write to the standard input of a server that has died must fail, not end the test.
  ::signal(SIGPIPE, SIG_IGN);
  int log_pipe[2];
  int input_pipe[2];
  if (::pipe2(log_pipe, O_CLOEXEC) != 0 || ::pipe2(input_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("cannot make pipes for the server");
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("cannot fork the server");
  if (pid_ == 0) {
    // dup2 clears close-on-exec on the copies, so the child keeps exactly these two.
    ::dup2(log_pipe[1], STDERR_FILENO);
    ::dup2(log_pipe[1], STDOUT_FILENO);
    ::dup2(input_pipe[0], STDIN_FILENO);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(log_pipe[1]);
  ::close(input_pipe[0]);
  stdin_fd_ = input_pipe[1];
  log_thread_ = std::thread([this, fd = log_pipe[0]] { collect_log(fd); });
}

ChildProcess::~ChildProcess() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    wait();
  }
  ::close(stdin_fd_);
  log_thread_.join();  // the pipe closed when the process ended
}

void ChildProcess::collect_log(int fd) {
  char buffer[4096];
  for (;;) {
    const ssize_t read = ::read(fd, buffer, sizeof(buffer));
    if (read < 0 && errno == EINTR) continue;
    const std::lock_guard lock(log_mutex_);
    if (read <= 0) {
      log_closed_ = true;
      log_grew_.notify_all();
      break;
    }
    log_.append(buffer, static_cast<std::size_t>(read));
    log_grew_.notify_all();
  }
  ::close(fd);
}

std::optional<unsigned short> ChildProcess::wait_listening(std::chrono::milliseconds timeout) {
  std::unique_lock lock(log_mutex_);
  const auto port_known = [&] {
    const std::size_t at = log_.find(listening_marker);
    return at != std::string::npos &&
           log_.find(' ', at + listening_marker.size()) != std::string::npos;
  };
  log_grew_.wait_for(lock, timeout, [&] { return port_known() || log_closed_; });
  if (!port_known()) return std::nullopt;
  const std::size_t at = log_.find(listening_marker) + listening_marker.size();
  return static_cast<unsigned short>(std::stoi(log_.substr(at)));
}

bool ChildProcess::wait_for_log(std::string_view text, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(log_mutex_);
  return log_grew_.wait_for(lock, timeout, [&] {
    return log_.find(text) != std::string::npos || log_closed_;
  }) && log_.find(text) != std::string::npos;
}

void ChildProcess::signal(int signal_number) const {
  if (!status_) ::kill(pid_, signal_number);
}

int ChildProcess::wait() {
  if (status_) return *status_;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = status;
  // And its output read to the end, so that log() holds its last lines. Bounded: a process it
  // started may still hold the pipe open.
  std::unique_lock lock(log_mutex_);
  log_grew_.wait_for(lock, log_drain_timeout, [&] { return log_closed_; });
  return status;
}

bool ChildProcess::running() const {
  if (status_) return false;
  siginfo_t info{};
  // WNOWAIT: only look; wait() still reaps it.
  return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == 0;
}

void ChildProcess::send_line(std::string_view line) const {
  std::string text(line);
  text.push_back('\n');
  if (::write(stdin_fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw std::runtime_error("cannot write to the server's standard input");
  }
}

std::string ChildProcess::log() const {
  const std::lock_guard lock(log_mutex_);
  return log_;
}

std::size_t ChildProcess::rss_bytes() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;  // in kB
  }
  return 0;
}

}  // namespace loket::testing
