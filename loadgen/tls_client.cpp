#include "loadgen/tls_client.hpp"

#include <openssl/ssl.h>

namespace loket {

Result<std::shared_ptr<boost::asio::ssl::context>> client_tls_context(const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code error;
  context->set_verify_mode(ssl::verify_peer, error);
  if (!error) {
    if (ca_file.empty()) {
      context->set_default_verify_paths(error);
    } else {
      context->load_verify_file(ca_file, error);
    }
  }
  if (error) {
    return Status::invalid_argument(
        ca_file.empty()
            ? "the system's certificate authorities cannot be loaded: " + error.message()
            : "--ca-file " + ca_file + ": not readable as PEM certificates");
  }
  return context;
}

bool prepare_tls_stream(TlsStream& stream, const std::string& host) {
  // What OpenSSL's SSL_set_tlsext_host_name macro expands to, without its C cast: Asio has no
  // wrapper for SNI.
  if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(host.c_str())) != 1) {
    return false;
  }
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return true;
}

}  // namespace loket
