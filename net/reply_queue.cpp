#include "net/reply_queue.hpp"

#include "engine/assert.hpp"

namespace loket {
namespace {

// Heads kept for reuse: one per reply a pipelining client may have outstanding.
constexpr std::size_t spare_heads_max = 16;

}  // namespace

ReplyQueue::Ticket ReplyQueue::open(bool head_request, bool keep_alive, TimePoint started) {
  Slot& slot = slots_.emplace_back();
  slot.head_request = head_request;
  slot.keep_alive = keep_alive;
  slot.started = started;
  if (!spare_heads_.empty()) {
    slot.head = std::move(spare_heads_.back());
    spare_heads_.pop_back();
  }
  return first_ticket_ + slots_.size() - 1;
}

void ReplyQueue::fill(Ticket ticket, Reply&& reply, std::span<const HeaderField> extra,
                      bool draining) {
  LOKET_ASSERT(ticket >= first_ticket_ && ticket - first_ticket_ < slots_.size());
  Slot& slot = slots_[static_cast<std::size_t>(ticket - first_ticket_)];
  LOKET_ASSERT(!slot.filled);
  slot.keep_alive = slot.keep_alive && !draining;
  slot.head.clear();
  render_response_head(reply, slot.keep_alive, extra, slot.head);
  if (!slot.head_request) slot.body = std::move(reply.body);
  slot.filled = true;
}

std::span<const boost::asio::const_buffer> ReplyQueue::take_ready() {
  LOKET_ASSERT(taken_ == 0);
  buffers_.clear();
  for (const Slot& slot : slots_) {
    if (!slot.filled) break;
    buffers_.push_back(boost::asio::buffer(slot.head));
    if (!slot.body.empty()) buffers_.push_back(boost::asio::buffer(slot.body));
    ++taken_;
    if (!slot.keep_alive) break;  // nothing after a reply that closes the connection
  }
  return buffers_;
}

void ReplyQueue::recycle(Slot&& slot) {
  if (spare_heads_.size() < spare_heads_max) spare_heads_.push_back(std::move(slot.head));
}

}  // namespace loket
