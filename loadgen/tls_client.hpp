// The load generator's TLS (https:// targets): a client context that verifies the server's
// certificate against the system's certificate authorities or a given CA file, and a stream
// set up to check that the certificate names the target's host (SNI and host name).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string>

#include "base/status.hpp"

namespace loket {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// ca_file empty: the system's certificate authorities. Invalid: the file cannot be read as
// PEM certificates (the message names it).
Result<std::shared_ptr<boost::asio::ssl::context>> client_tls_context(const std::string& ca_file);

// SNI and the host name check, before the handshake; false when the host name cannot be set.
bool prepare_tls_stream(TlsStream& stream, const std::string& host);

}  // namespace loket
