// GET /ops: the operator's dashboard, one self-contained page (docs/operations.md). Its
// style and script are inline and named by their SHA-256 in the Content-Security-Policy, so
// the browser runs nothing else and fetches nothing but the page's own event stream.
#pragma once

#include <string>
#include <string_view>

namespace loket {

namespace ops_page_assets {
extern const std::string_view html;    // with {{style}} and {{script}} where those go
extern const std::string_view style;   // net/ops_page/page.css
extern const std::string_view script;  // net/ops_page/page.js
}  // namespace ops_page_assets

struct OpsPage {
  std::string html;
  std::string content_security_policy;
};

const OpsPage& ops_page();  // made once

}  // namespace loket
