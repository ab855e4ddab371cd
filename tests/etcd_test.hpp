// What the Catch2 tests against real etcd share: skipping, with a warning, where etcd is not
// installed, and a client of a cluster's members.
#pragma once

#include <catch2/catch.hpp>

#include "cluster/etcd_client.hpp"
#include "tests/etcd_cluster.hpp"

namespace loket::testing {

// True, with a warning, when etcd is not installed: the test then returns at once.
inline bool etcd_missing() {
  if (find_etcd_program()) return false;
  WARN("etcd is not installed (scripts/install-deps.sh installs etcd-server): skipped");
  return true;
}

inline EtcdClient etcd_client_of(const std::vector<std::string>& endpoints) {
  Result<EtcdClient> client = EtcdClient::create({endpoints});
  if (!client.ok()) FAIL(client.status().message());
  return std::move(*client);
}

}  // namespace loket::testing
