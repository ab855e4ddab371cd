// The replies of one connection, in the order its requests came. With HTTP/1.1 pipelining
// (RFC 9112 9.3) a client sends several requests before the first answer; they are handed
// over together and may be decided in any order of completion, but answered in order: a reply
// ready before an earlier one waits for it, and the ready ones at the front go out together
// in one writev. Touched by the connection's I/O thread only. Internal to net/.
#pragma once

#include <boost/asio/buffer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "net/response_head.hpp"

namespace loket {

class ReplyQueue {
 public:
  using Ticket = std::uint64_t;
  using TimePoint = std::chrono::steady_clock::time_point;

  // A place for the next request's reply. `head_request`: send the head only (RFC 9110
  // 9.3.2); `keep_alive`: what the request asked for; `started`: when it arrived.
  Ticket open(bool head_request, bool keep_alive, TimePoint started);
  // The reply for `ticket`, which must be open and not yet filled. `draining`: the server
  // is shutting down, so the connection closes after it.
  void fill(Ticket ticket, Reply&& reply, std::span<const HeaderField> extra, bool draining);

  bool empty() const { return slots_.empty(); }
  std::size_t size() const { return slots_.size(); }

  // The filled replies at the front, as one write's buffers; empty when the front is not
  // filled yet. They stay in the queue until written().
  std::span<const boost::asio::const_buffer> take_ready();
  // Those replies were written: calls `written_one(started)` for each and drops them.
  // Returns whether the connection stays open after them.
  template <class WrittenOne>
  bool written(WrittenOne&& written_one) {
    bool keep_alive = true;
    for (; taken_ > 0; --taken_) {
      written_one(slots_.front().started);
      keep_alive = keep_alive && slots_.front().keep_alive;
      recycle(std::move(slots_.front()));
      slots_.pop_front();
      ++first_ticket_;
    }
    return keep_alive;
  }

 private:
  struct Slot {
    bool head_request = false;
    bool keep_alive = false;
    bool filled = false;
    TimePoint started;
    std::string head;
    std::string body;
  };
  void recycle(Slot&& slot);

  std::deque<Slot> slots_;
  Ticket first_ticket_ = 0;  // slots_.front()'s
  std::size_t taken_ = 0;    // slots at the front in the write under way
  std::vector<boost::asio::const_buffer> buffers_;
  std::vector<std::string> spare_heads_;  // written heads' buffers, kept for their capacity
};

}  // namespace loket
