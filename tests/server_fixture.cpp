#include "tests/server_fixture.hpp"

#include <catch2/catch.hpp>

#include "core/recovery.hpp"
#include "engine/crypto.hpp"

namespace loket::testing {

TokenFile test_tokens() {
  TokenFile tokens;
  const auto entry = [](std::string name, Role role) {
    TokenEntry token{
        name, role, {}, default_rate(role).requests_per_second, default_rate(role).burst};
    token.sha256 = sha256({reinterpret_cast<const std::uint8_t*>(name.data()), name.size()});
    return token;
  };
  tokens.tokens = {entry("portal", Role::portal), entry("operator", Role::operator_role),
                   entry("auditor", Role::auditor)};
  return tokens;
}

RunningServer::RunningServer(const TempFolder& folder, ServerSetup setup) {
  RecoveryOptions recovery;
  recovery.journal.env = setup.env;
  Result<Recovered> recovered = recover_journal(folder.path("journal"), setup.scheme, recovery);
  REQUIRE(recovered.ok());
  pipeline_ = std::make_unique<Pipeline>(std::move(recovered).value(), setup.limits,
                                         std::move(setup.clock));
  ServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.tokens = test_tokens();
  options.participant_key = {'t', 'e', 's', 't'};
  if (setup.adjust) setup.adjust(options);
  Result<std::unique_ptr<Server>> created = Server::create(std::move(options));
  INFO(created.status().message());
  REQUIRE(created.ok());
  server_ = std::move(created).value();
  server_->serve(*pipeline_);
  thread_ = std::thread([this] { server_->run(); });
}

void RunningServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
  pipeline_->stop();
}

}  // namespace loket::testing
