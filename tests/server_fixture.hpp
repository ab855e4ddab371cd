// An in-process server on loopback over a real journal, with the pipeline's clock and limits
// in the test's hands: for tests that need to move time (closing windows on the clock) or
// inject faults, which a child process cannot offer.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "net/pipeline.hpp"
#include "net/server.hpp"
#include "tests/journal_fixture.hpp"

namespace rocksdb {
class Env;
}

namespace loket::testing {

// One places tranche "t2" of 1,000, open from 2020 to 2100, ranked by arrival.
inline constexpr std::string_view places_scheme = R"(
[scheme]
id = "serve"
name = "Serve"
unique_participant = "scheme"
[[tranche]]
id = "t2"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
places = 1000
ranking = "arrival"
)";

// Tokens named after their role: "portal", "operator" and "auditor".
TokenFile test_tokens();

struct ServerSetup {
  std::string scheme = std::string(places_scheme);
  Pipeline::Clock clock = Pipeline::system_clock_now;
  PipelineLimits limits;
  std::function<void(ServerOptions&)> adjust;
  rocksdb::Env* env = nullptr;  // fault injection
};

class RunningServer {
 public:
  explicit RunningServer(const TempFolder& folder, ServerSetup setup = {});
  ~RunningServer() { stop(); }
  void stop();
  unsigned short port() const { return server_->port(); }
  const Pipeline& pipeline() const { return *pipeline_; }

 private:
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

}  // namespace loket::testing
