#!/usr/bin/env bash
# Builds the .deb (CPack, packaging/CMakeLists.txt), installs it on this machine, and
# smoke-tests the installed files from a folder outside the checkout: `loket --version`, the
# shipped service settings, `loket demo` on the shipped scheme, and `systemd-analyze verify`
# of the unit. The package is removed again at the end, whatever happened. Needs root (or
# sudo) for dpkg; scripts/test.sh runs it in CI. Purged at the end: no settings file stays.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

cmake --preset release >/dev/null
cmake --build --preset release --target loket
(cd build/release && cpack -G DEB >/dev/null)
version=$(sed -n 's/^project(loket VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
package="build/release/loket_${version}_amd64.deb"

work=$(mktemp -d)
cleanup() {
  "${sudo_cmd[@]}" dpkg --purge loket >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"${sudo_cmd[@]}" dpkg -i "$package" >/dev/null
cd "$work"  # nothing of the checkout is reachable from here

fail() { echo "package-test: FAILED: $*" >&2; exit 1; }
[ "$(/usr/bin/loket --version)" = "loket $version" ] || fail "loket --version"
dpkg-query -W -f='${Conffiles}\n' loket | grep -q /etc/loket/loket.toml ||
  fail "/etc/loket/loket.toml is not a conffile"
systemd-analyze verify /lib/systemd/system/loket.service || fail "systemd-analyze verify"

# The shipped settings start a server (its journal here rather than in /var/lib/loket).
/usr/bin/loket serve --config /etc/loket/loket.toml --data "$work/serve" --listen 127.0.0.1:0 \
  2>"$work/serve.log" &
server=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/serve.log" && break
  sleep 0.1
done
kill -TERM "$server"
wait "$server" || fail "loket serve --config /etc/loket/loket.toml: $(cat "$work/serve.log")"
grep -q "listening on http://127.0.0.1:" "$work/serve.log" || fail "serve did not listen"

/usr/bin/loket demo --data "$work/demo" --registrations 3000 --duration 2 >"$work/demo.log" 2>&1 ||
  fail "loket demo on the installed files: $(tail -20 "$work/demo.log")"
grep -q "loket demo: done." "$work/demo.log" || fail "loket demo did not finish"
grep -q "with /usr/share/loket/schemes/rehearsal.toml" "$work/demo.log" ||
  fail "loket demo did not find the installed scheme: $(head -3 "$work/demo.log")"
echo "package-test: $package installs; --version, the unit, the settings and the demo work"
