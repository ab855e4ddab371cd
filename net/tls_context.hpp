// The server's TLS configuration, built once from the certificate and key files at start-up.
#pragma once

#include <boost/asio/ssl/context.hpp>

namespace loket {

struct TlsFiles;

// TLS 1.2 and 1.3 only. Throws boost::system::system_error naming the file that failed, or
// both when the key is not the certificate's.
boost::asio::ssl::context make_tls_context(const TlsFiles& files);

}  // namespace loket
