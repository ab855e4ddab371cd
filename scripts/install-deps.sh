#!/usr/bin/env bash
# Installs the Debian 12 packages loket builds against, and what the tests start as real
# processes on loopback: etcd (3.4) for the cluster (docs/cluster.md), Chromium for the
# dashboard and report pages, Prometheus (and promtool) for the scrape and alert tests
# (docs/operations.md), and Perl's JSON::Validator for the API spec's tests (docs/api.md).
# Idempotent: when every package is already installed it prints nothing and touches nothing,
# so the README commands and CI can call it on every run.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev
  librocksdb-dev libfmt-dev libssl-dev
  libtomlplusplus-dev libcli11-dev
  catch2 libbenchmark-dev
  clang-14 libclang-rt-14-dev
  etcd-server etcd-client
  chromium prometheus
  libjson-validator-perl libyaml-libyaml-perl
  dpkg-dev systemd
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
