// One I/O thread's world. Each I/O thread runs its own io_context alone, so the connections
// it serves need no strands; it accepts on its own SO_REUSEPORT listener, so the kernel
// spreads new connections over the threads; one coarse sweep closes the connections whose
// deadline has passed, instead of a timer armed and cancelled around every socket operation;
// and the jobs a round of handlers produced go to the pipeline together, as the outcomes the
// allocator thread completes come back together, with one wake-up per batch each way.
// Internal to net/.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "net/job.hpp"
#include "net/pipeline.hpp"

namespace loket {

// What an I/O thread knows of a connection: its deadline, and how to give it an outcome.
class IoConnection {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~IoConnection() = default;

  // On the I/O thread, once `deadline` has passed: the connection closes.
  virtual void deadline_passed() = 0;
  // On the I/O thread: the pipeline's outcome for the job this connection handed over with
  // `ticket` (its place among the connection's replies).
  virtual void take_outcome(std::uint64_t ticket, JobOutcome outcome) = 0;
  // On the I/O thread: the pipeline's queue was full; the job with `ticket` was not taken.
  virtual void queue_full(std::uint64_t ticket) = 0;

  // When the operation in progress must have finished; max() while none is bounded (the
  // pipeline, not the client, is being waited for). Read and written on the I/O thread only.
  Clock::time_point deadline = Clock::time_point::max();
};

class IoThread {
 public:
  // Listens on `endpoint` with SO_REUSEPORT; throws boost::system::system_error.
  IoThread(const boost::asio::ip::tcp::endpoint& endpoint, std::chrono::milliseconds sweep_interval,
           Pipeline* const& pipeline);
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::io_context& io() { return io_; }
  boost::asio::ip::tcp::acceptor& acceptor() { return acceptor_; }

  // On this thread: the connection's deadline is swept from now on, until it is destroyed.
  void watch(const std::shared_ptr<IoConnection>& connection);
  void start_sweeping();

  // On this thread: the job goes to the pipeline after the handlers ready now have run,
  // together with the others they hand over.
  void hand_over(std::unique_ptr<Job> job, std::uint64_t ticket,
                 std::shared_ptr<IoConnection> connection);

  // On the allocator thread (from Job::complete): the outcome is given to the connection on
  // this thread. Only the first of a batch posts; the rest join it.
  void complete(std::shared_ptr<IoConnection> connection, std::uint64_t ticket, JobOutcome outcome);

 private:
  void sweep();
  void pass_on_handed();
  void give_completed();

  struct Handed {
    std::unique_ptr<Job> job;
    std::uint64_t ticket = 0;
    std::shared_ptr<IoConnection> connection;
  };
  struct Completed {
    std::shared_ptr<IoConnection> connection;
    std::uint64_t ticket = 0;
    JobOutcome outcome;
  };

  boost::asio::io_context io_{1};  // one thread runs it: no locking inside Asio either
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer sweep_timer_;
  const std::chrono::milliseconds sweep_interval_;
  Pipeline* const& pipeline_;  // the server's, set before run()
  std::vector<std::weak_ptr<IoConnection>> watched_;
  std::vector<Handed> handed_;
  std::vector<std::unique_ptr<Job>> handed_jobs_;  // handed_'s jobs, for one enqueue call
  std::mutex completed_mutex_;                     // the allocator thread adds, this thread takes
  std::vector<Completed> completed_;
  std::vector<Completed> giving_;  // this thread's: what it took from completed_
};

}  // namespace loket
