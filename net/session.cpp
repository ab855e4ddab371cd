#include "net/session.hpp"

#include <boost/beast/ssl.hpp>

#include "net/server_impl.hpp"

namespace loket {

void Server::Impl::start_session(boost::asio::ip::tcp::socket socket) {
  namespace beast = boost::beast;
  using net_session::Session;
  if (tls) {
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(socket), *tls)
        ->start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket))->start();
  }
}

}  // namespace loket
