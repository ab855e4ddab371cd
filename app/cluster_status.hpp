// `loket cluster status`: the cluster as etcd holds it (docs/cluster.md): who leads, since
// which epoch and at which URL, how far the replicated log goes, and each etcd member's view.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace loket {

struct ClusterStatusOptions {
  std::vector<std::string> endpoints;                  // etcd's client URLs
  std::string scheme_path = "schemes/rehearsal.toml";  // its id names the keys in etcd
};

// 0 with the status on `out`; 2 for bad arguments or files; 1 when etcd cannot be read.
int run_cluster_status(const ClusterStatusOptions& options, std::FILE* out, std::FILE* errors);

}  // namespace loket
