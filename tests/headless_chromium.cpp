#include "tests/headless_chromium.hpp"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <stdexcept>

#include "parse/base64.hpp"
#include "tests/http_client.hpp"

namespace loket::testing {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;

constexpr std::chrono::seconds browser_start_timeout{60};
constexpr std::chrono::seconds page_load_timeout{60};
constexpr std::string_view listening_line = "DevTools listening on ws://127.0.0.1:";

std::vector<std::string> browser_arguments(const std::string& profile_folder,
                                           const std::vector<std::string>& extra_arguments) {
  // --no-sandbox: the tests may run as root (CI containers), where Chromium's sandbox refuses.
  std::vector<std::string> arguments = {"--headless=new",
                                        "--no-sandbox",
                                        "--disable-gpu",
                                        "--no-first-run",
                                        "--no-default-browser-check",
                                        "--disable-extensions",
                                        "--remote-debugging-port=0",
                                        "--window-size=1280,1600",
                                        fmt::format("--user-data-dir={}", profile_folder),
                                        "about:blank"};
  arguments.insert(arguments.end() - 1, extra_arguments.begin(), extra_arguments.end());
  return arguments;
}

// The DevTools port from the line Chromium logs once it listens.
unsigned short devtools_port(const ChildProcess& browser) {
  if (!browser.wait_for_log(listening_line, browser_start_timeout)) {
    throw std::runtime_error("chromium did not start its DevTools server: " + browser.log());
  }
  const std::string log = browser.log();
  const std::size_t at = log.find(listening_line) + listening_line.size();
  return static_cast<unsigned short>(std::stoul(log.substr(at, log.find('/', at) - at)));
}

// The WebSocket path of the browser's first page, from GET /json/list.
std::string page_path(unsigned short port) {
  Client client(port);
  const Answer answer = client.send(http::verb::get, "/json/list", "");
  if (answer.status != 200) throw std::runtime_error("GET /json/list: " + answer.body);
  const json::value targets = answer.json();
  for (const json::value& target : targets.as_array()) {
    if (target.at("type").as_string() != "page") continue;
    const std::string url(target.at("webSocketDebuggerUrl").as_string());
    return url.substr(url.find("/devtools/"));
  }
  throw std::runtime_error("chromium has no page: " + answer.body);
}

}  // namespace

HeadlessChromium::HeadlessChromium(const std::string& profile_folder,
                                   const std::vector<std::string>& extra_arguments)
    : browser_("/usr/bin/chromium", browser_arguments(profile_folder, extra_arguments)),
      socket_(io_) {
  const unsigned short port = devtools_port(browser_);
  const std::string path = page_path(port);
  boost::asio::ip::tcp::resolver resolver(io_);
  boost::asio::connect(socket_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
  socket_.handshake(fmt::format("127.0.0.1:{}", port), path);
  call("Page.enable", {});
  call("Runtime.enable", {});
}

HeadlessChromium::~HeadlessChromium() {
  boost::system::error_code ignored;
  socket_.next_layer().close(ignored);
}

// Sends one command and reads until its answer; the events that come meanwhile are dropped,
// except the load event navigate() waits for, which is kept in `loaded_`.
json::object HeadlessChromium::call(const std::string& method, json::object params) {
  const std::int64_t id = next_id_++;
  json::object command;
  command["id"] = id;
  command["method"] = method;
  command["params"] = std::move(params);
  socket_.write(boost::asio::buffer(json::serialize(command)));
  for (;;) {
    boost::beast::flat_buffer buffer;
    socket_.read(buffer);
    json::value message = json::parse(boost::beast::buffers_to_string(buffer.data()));
    const json::object& fields = message.as_object();
    if (fields.if_contains("method") && fields.at("method") == "Page.loadEventFired") {
      loaded_ = true;
    }
    if (!fields.if_contains("id") || fields.at("id").to_number<std::int64_t>() != id) continue;
    if (fields.if_contains("error")) {
      throw std::runtime_error(fmt::format("{}: {}", method, json::serialize(fields.at("error"))));
    }
    return fields.at("result").as_object();
  }
}

void HeadlessChromium::navigate(const std::string& url) {
  loaded_ = false;
  call("Page.navigate", {{"url", url}});
  const auto deadline = std::chrono::steady_clock::now() + page_load_timeout;
  while (!loaded_) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error(url + " did not load");
    call("Runtime.evaluate", {{"expression", "1"}});  // reads the events that came meanwhile
  }
}

json::value HeadlessChromium::evaluate(const std::string& expression) {
  json::object params;
  params["expression"] = expression;
  params["returnByValue"] = true;
  params["awaitPromise"] = true;
  const json::object result = call("Runtime.evaluate", std::move(params));
  if (result.if_contains("exceptionDetails")) {
    throw std::runtime_error(
        fmt::format("{} threw: {}", expression, json::serialize(result.at("exceptionDetails"))));
  }
  const json::object& value = result.at("result").as_object();
  return value.if_contains("value") ? value.at("value") : json::value(nullptr);
}

void HeadlessChromium::save_data(const json::object& result, const std::string& path) {
  const auto bytes = base64_decode(std::string(result.at("data").as_string()));
  if (!bytes) throw std::runtime_error("Chromium's data for " + path + " is not base64");
  std::ofstream(path, std::ios::binary)
      .write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
}

void HeadlessChromium::save_screenshot(const std::string& png_path) {
  save_data(call("Page.captureScreenshot", {{"format", "png"}}), png_path);
}

void HeadlessChromium::save_pdf(const std::string& pdf_path) {
  save_data(call("Page.printToPDF", {{"preferCSSPageSize", true}, {"printBackground", true}}),
            pdf_path);
}

}  // namespace loket::testing
