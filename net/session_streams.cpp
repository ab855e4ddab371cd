// The session's chunked replies: the auditor's export and the dashboard's event stream.
#include <fmt/format.h>

#include "net/ops_snapshot.hpp"
#include "net/session.hpp"

namespace loket::net_session {
namespace {

// One of `places_max` running at once, or false (and nothing taken) when all are.
bool take_place(std::atomic<std::size_t>& running, std::size_t places_max) {
  if (running.fetch_add(1) < places_max) return true;
  running.fetch_sub(1);
  return false;
}

}  // namespace

// The export streams as a chunked response: a chunk of rows is made only once the client
// has taken the one before, so a slow reader holds one chunk of memory, not the journal.
template <class Stream>
void Session<Stream>::start_export(ExportKind kind, const CsvDialect& dialect) {
  if (!take_place(server_.exports_running, net_limits::exports_max)) {
    return send(problem_reply(busy_problem(
        fmt::format("too many exports are running: at most {} at once", net_limits::exports_max),
        net_limits::export_busy_retry_after_seconds)));
  }
  const std::uint64_t through_sequence = server_.pipeline->durable_sequence();
  std::shared_ptr<const Journal> journal = server_.pipeline->journal_for_reading();
  if (!journal) {
    server_.exports_running.fetch_sub(1);
    return send(problem_reply(journal_problem("it is being reopened")));
  }
  export_ = std::make_unique<ExportState>(std::move(journal), kind, dialect, through_sequence);
  export_->response.set("Loket-Through-Sequence", std::to_string(through_sequence));
  start_chunked(*export_,
                is_csv(kind) ? net_limits::csv_content_type : net_limits::jsonl_content_type,
                [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                  self->write_export_chunk(error);
                });
}

// A 200 whose body follows in chunks; `then` once its header is written.
template <class Stream>
template <class Then>
void Session<Stream>::start_chunked(ChunkedState& state, std::string_view content_type, Then then) {
  auto& response = state.response;
  response.result(http::status::ok);
  response.version(11);
  response.set(http::field::server, net_limits::server_header_value);
  response.set(http::field::content_type, content_type);
  response.keep_alive(keep_alive_ && !server_.draining.load());
  response.chunked(true);
  state.serializer.emplace(response);
  write_expires_after(server_.options.write_timeout);
  http::async_write_header(stream_, *state.serializer, std::move(then));
}

// GET /v1/ops/stream: server-sent events, a snapshot a second, until the client leaves or
// the server shuts down. It reads what the pipeline and the sampler publish and queues no
// job, so a watching operator costs the submissions nothing.
template <class Stream>
void Session<Stream>::start_ops_stream() {
  if (!take_place(server_.ops_streams_running, net_limits::ops_streams_max)) {
    return send(
        problem_reply(busy_problem(fmt::format("too many dashboards are watching: at most {} at "
                                               "once",
                                               net_limits::ops_streams_max),
                                   net_limits::ops_busy_retry_after_seconds)));
  }
  ops_ = std::make_unique<OpsState>(stream_.get_executor());
  ops_->response.set(http::field::cache_control, "no-store");
  start_chunked(*ops_, net_limits::event_stream_content_type,
                [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                  self->write_ops_event(error);
                });
}

template <class Stream>
void Session<Stream>::write_ops_event(beast::error_code error) {
  const auto finish = [self = this->shared_from_this()](beast::error_code last, std::size_t) {
    const bool keep = !last && self->ops_->response.keep_alive() && !self->server_.draining;
    self->ops_.reset();
    self->server_.ops_streams_running.fetch_sub(1);
    self->server_.requests_in_flight.fetch_sub(1);  // not an acknowledgement: no latency
    if (!keep) return self->close();
    self->read_next();
  };
  if (error) return finish(error, 0);
  write_expires_after(server_.options.write_timeout);
  if (server_.draining.load()) return asio::async_write(stream_, http::make_chunk_last(), finish);
  ops_->chunk = fmt::format(
      "data: {}\n\n", ops_snapshot_json(*server_.pipeline, server_.ops_history.samples(),
                                        server_.connections.load(), Pipeline::system_clock_now()));
  asio::async_write(
      stream_, http::make_chunk(asio::buffer(ops_->chunk)),
      [self = this->shared_from_this()](beast::error_code written, std::size_t) {
        if (written) return self->write_ops_event(written);
        self->deadline = Clock::time_point::max();  // the wait is the server's, not the client's
        self->ops_->timer.expires_after(net_limits::ops_event_interval);
        self->ops_->timer.async_wait([self](beast::error_code) { self->write_ops_event({}); });
      });
}

template <class Stream>
void Session<Stream>::write_export_chunk(beast::error_code error) {
  if (error) return finish_export(error, false);
  export_->chunk.clear();
  const auto next = [self = this->shared_from_this()](beast::error_code next_error, std::size_t) {
    self->write_export_chunk(next_error);
  };
  write_expires_after(server_.options.write_timeout);
  if (export_->rows.next_chunk(export_->chunk, net_limits::export_chunk_bytes)) {
    return asio::async_write(stream_, http::make_chunk(asio::buffer(export_->chunk)), next);
  }
  if (export_->rows.problem()) {
    // The status line is long gone: ending without the last chunk tells the client the
    // export is incomplete.
    std::fprintf(stderr, "loket serve: export stopped at record %llu: %s\n",
                 static_cast<unsigned long long>(export_->rows.problem()->sequence),
                 export_->rows.problem()->what.c_str());
    return finish_export({}, false);
  }
  asio::async_write(stream_, http::make_chunk_last(),
                    [self = this->shared_from_this()](beast::error_code last_error, std::size_t) {
                      self->finish_export(last_error, self->export_->response.keep_alive());
                    });
}

template <class Stream>
void Session<Stream>::finish_export(beast::error_code error, bool keep) {
  export_.reset();
  server_.exports_running.fetch_sub(1);
  finish_stream(error, keep);
}

// session.cpp's sessions start these; the rest they call from here.
template void Session<tcp::socket>::start_export(ExportKind, const CsvDialect&);
template void Session<tcp::socket>::start_ops_stream();
template void Session<beast::ssl_stream<tcp::socket>>::start_export(ExportKind, const CsvDialect&);
template void Session<beast::ssl_stream<tcp::socket>>::start_ops_stream();

}  // namespace loket::net_session
