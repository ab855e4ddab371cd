#include "net/io_thread.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>

#include "engine/assert.hpp"

namespace loket {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

}  // namespace

IoThread::IoThread(const tcp::endpoint& endpoint, std::chrono::milliseconds sweep_interval,
                   Pipeline* const& pipeline)
    : acceptor_(io_), sweep_timer_(io_), sweep_interval_(sweep_interval), pipeline_(pipeline) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.set_option(reuse_port(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void IoThread::watch(const std::shared_ptr<IoConnection>& connection) {
  watched_.push_back(connection);
}

void IoThread::start_sweeping() {
  sweep_timer_.expires_after(sweep_interval_);
  sweep_timer_.async_wait([this](boost::system::error_code error) {
    if (!error) sweep();
  });
}

// Every connection of this thread, once an interval: a deadline is kept to within one
// interval, which is all a timeout of seconds needs, for the cost of a compare each.
void IoThread::sweep() {
  const IoConnection::Clock::time_point now = IoConnection::Clock::now();
  std::erase_if(watched_, [now](const std::weak_ptr<IoConnection>& watched) {
    const std::shared_ptr<IoConnection> connection = watched.lock();
    if (!connection) return true;  // gone: its handlers finished
    if (connection->deadline <= now) {
      connection->deadline = IoConnection::Clock::time_point::max();
      connection->deadline_passed();
    }
    return false;
  });
  start_sweeping();
}

void IoThread::hand_over(std::unique_ptr<Job> job, std::uint64_t ticket,
                         std::shared_ptr<IoConnection> connection) {
  if (handed_.empty()) asio::post(io_, [this] { pass_on_handed(); });
  handed_.push_back(Handed{std::move(job), ticket, std::move(connection)});
}

void IoThread::pass_on_handed() {
  LOKET_ASSERT(pipeline_ != nullptr);
  handed_jobs_.clear();
  for (Handed& handed : handed_) handed_jobs_.push_back(std::move(handed.job));
  pipeline_->try_enqueue(handed_jobs_);
  for (std::size_t index = 0; index < handed_.size(); ++index) {
    if (handed_jobs_[index]) handed_[index].connection->queue_full(handed_[index].ticket);
  }
  handed_.clear();
  handed_jobs_.clear();
}

void IoThread::complete(std::shared_ptr<IoConnection> connection, std::uint64_t ticket,
                        JobOutcome outcome) {
  bool first = false;
  {
    const std::lock_guard lock(completed_mutex_);
    first = completed_.empty();
    completed_.push_back(Completed{std::move(connection), ticket, std::move(outcome)});
  }
  if (first) asio::post(io_, [this] { give_completed(); });
}

void IoThread::give_completed() {
  {
    const std::lock_guard lock(completed_mutex_);
    std::swap(completed_, giving_);
  }
  for (Completed& completed : giving_) {
    completed.connection->take_outcome(completed.ticket, std::move(completed.outcome));
  }
  giving_.clear();  // the last references to connections are dropped here, on their thread
}

}  // namespace loket
