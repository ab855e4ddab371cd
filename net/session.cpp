#include "net/session.hpp"

#include <boost/beast/ssl.hpp>

#include "net/server_impl.hpp"

namespace loket {

void Server::Impl::start_session(IoThread& thread, boost::asio::ip::tcp::socket socket) {
  namespace beast = boost::beast;
  using net_session::Session;
  using tcp = boost::asio::ip::tcp;
  if (tls) {
    std::make_shared<Session<beast::ssl_stream<tcp::socket>>>(*this, thread, std::move(socket),
                                                              *tls)
        ->start();
  } else {
    std::make_shared<Session<tcp::socket>>(*this, thread, std::move(socket))->start();
  }
}

}  // namespace loket
