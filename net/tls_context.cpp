#include "net/tls_context.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core/error.hpp>

#include "net/server.hpp"

namespace loket {

namespace asio = boost::asio;
namespace beast = boost::beast;

asio::ssl::context make_tls_context(const TlsFiles& files) {
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  const auto load = [](const std::string& path, auto&& action) {
    beast::error_code error;
    action(error);
    if (error) throw boost::system::system_error(error, path);
  };
  load(files.certificate_chain_path, [&](beast::error_code& error) {
    context.use_certificate_chain_file(files.certificate_chain_path, error);
  });
  load(files.private_key_path, [&](beast::error_code& error) {
    context.use_private_key_file(files.private_key_path, asio::ssl::context::pem, error);
  });
  // OpenSSL takes a key of another type, or another key, without a word; every handshake
  // would then fail.
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    const beast::error_code error(static_cast<int>(ERR_get_error()),
                                  asio::error::get_ssl_category());
    ERR_clear_error();
    throw boost::system::system_error(
        error, fmt::format("{}: not the private key of the certificate in {}",
                           files.private_key_path, files.certificate_chain_path));
  }
  return context;
}

}  // namespace loket
