// Debian's headless Chromium as a child process, driven through the DevTools protocol over a
// WebSocket (Beast), for the tests that check a page loket serves in a real browser: open a
// page, run JavaScript in it and read the result, take a screenshot. Failures throw
// std::runtime_error with what Chromium said.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tests/child_process.hpp"

namespace loket::testing {

class HeadlessChromium {
 public:
  // Starts Chromium with a new profile in `profile_folder` (which must exist) and attaches to
  // its first page. `extra_arguments`: Chromium's own, such as --ignore-certificate-errors
  // for a server with the test certificate.
  explicit HeadlessChromium(const std::string& profile_folder,
                            const std::vector<std::string>& extra_arguments = {});
  ~HeadlessChromium();
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // Opens `url` and returns once the page has loaded.
  void navigate(const std::string& url);
  // The value of a JavaScript expression in the page (a promise is awaited); throws when it
  // threw.
  boost::json::value evaluate(const std::string& expression);
  // Writes a PNG of the page as the browser shows it.
  void save_screenshot(const std::string& png_path);
  // Prints the page to a PDF as Chromium's print dialog would, with the page's own @page size.
  void save_pdf(const std::string& pdf_path);

 private:
  // Writes the base64 `data` of a DevTools result to a file.
  static void save_data(const boost::json::object& result, const std::string& path);
  boost::json::object call(const std::string& method, boost::json::object params);

  ChildProcess browser_;
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> socket_;
  std::int64_t next_id_ = 1;
  bool loaded_ = false;  // Page.loadEventFired came since the last navigate()
};

}  // namespace loket::testing
