#!/usr/bin/env bash
# The browser suite: Debian's Chromium driven by playwright-core through
# the shop (tests/browser/shop.test.js), against a gateway, lighttpd and
# shop-worker that tests/browser/env.py starts on free loopback ports.
#
#   tests/browser/run.sh [test-name...]
#
# Needs the build (make build), Node.js 20 or newer with npm, and
# /usr/bin/chromium (scripts/deps.sh test installs what is missing).
# playwright-core comes from package-lock.json with `npm ci` into
# tests/browser/node_modules/ (ignored by git), again whenever the lock
# file changes; Playwright's own browsers are never downloaded.
# Screenshots go to build/test-artifacts/browser/. The last line is
# "N passed, N failed"; the exit status is non-zero on any failure.
set -u
cd "$(dirname "$0")/../.."
HERE=tests/browser
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

fail() {
	echo "browser: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 ||
    [ ! -x "$CHROMIUM" ]; then
	scripts/deps.sh test || fail "missing Node.js, npm or Chromium"
fi
[ -x "$CHROMIUM" ] || fail "no Chromium at $CHROMIUM"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] ||
    fail "playwright-core needs Node.js 20 or newer, not $(node --version)"
[ -x build/test/bin/shop-worker ] && [ -x build/test/tests/gateway/gateway ] ||
    fail "build first: make build test-build"

# npm ci when node_modules is missing or older than the lock file.
stamp=$HERE/node_modules/.shopfile-lock.sha256
want=$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	(cd "$HERE" && npm ci --no-audit --no-fund --ignore-scripts \
	    --loglevel=error) || fail "npm ci failed"
	echo "$want" > "$stamp"
fi

timeout 600 node "$HERE/shop.test.js" "$@"
rc=$?
[ $rc = 124 ] && fail "shop.test.js ran over 10 minutes"
exit $rc
