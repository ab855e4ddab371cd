#include "net/ops_page.hpp"

#include <fmt/format.h>

#include "engine/assert.hpp"
#include "engine/crypto.hpp"
#include "parse/base64.hpp"

namespace loket {
namespace {

std::string csp_hash(std::string_view text) {
  const Sha256Digest digest =
      sha256({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  return fmt::format("'sha256-{}'",
                     base64_encode({reinterpret_cast<const char*>(digest.data()), digest.size()}));
}

void replace_once(std::string& text, std::string_view placeholder, std::string_view with) {
  const std::size_t at = text.find(placeholder);
  LOKET_ASSERT(at != std::string::npos);  // the page is built in, not input
  text.replace(at, placeholder.size(), with);
}

OpsPage make_page() {
  OpsPage page{std::string(ops_page_assets::html), {}};
  replace_once(page.html, "{{style}}", ops_page_assets::style);
  replace_once(page.html, "{{script}}", ops_page_assets::script);
  page.content_security_policy = fmt::format(
      "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; img-src 'self'; "
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      csp_hash(ops_page_assets::script), csp_hash(ops_page_assets::style));
  return page;
}

}  // namespace

const OpsPage& ops_page() {
  static const OpsPage page = make_page();
  return page;
}

}  // namespace loket
