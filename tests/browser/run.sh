#!/usr/bin/env bash
# The browser suite: Debian's Chromium driven by playwright-core through
# the shop, every tests/browser/*.test.js in its own node process, each
# against a gateway, lighttpd and shop-worker that tests/browser/env.py
# starts on free loopback ports.
#
#   tests/browser/run.sh [file.test.js...] [test-name...]
#
# Arguments ending in .test.js choose the files (all of them when none
# does); the others are test names passed to each chosen file.
#
# Needs the build (make build), Node.js 20 or newer with npm, and
# /usr/bin/chromium (scripts/deps.sh test installs what is missing).
# playwright-core and axe-core come from package-lock.json with `npm ci` into
# tests/browser/node_modules/ (ignored by git), again whenever the lock
# file changes; Playwright's own browsers are never downloaded.
# Screenshots go to build/test-artifacts/browser/. The last line is
# "N passed, N failed", summed over the files; the exit status is non-zero
# on any failure.
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

files=()
names=()
for a in "$@"; do
	case $a in
	*.test.js) files+=("$HERE/$(basename "$a")") ;;
	*) names+=("$a") ;;
	esac
done
[ ${#files[@]} -gt 0 ] || files=("$HERE"/*.test.js)

passed=0
failed=0
mkdir -p build/test-logs
for f in "${files[@]}"; do
	[ -f "$f" ] || { echo "browser: no $f" >&2; failed=$((failed + 1)); continue; }
	log=build/test-logs/browser-$(basename "$f" .js).log
	echo "== $(basename "$f")"
	timeout 600 node "$f" "${names[@]}" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$last" ]; then
		p=${last%% passed*}
		q=${last#*passed, }
		q=${q%% failed*}
	else
		p=0
		q=1
	fi
	[ $rc = 124 ] && echo "browser: $(basename "$f") ran over 10 minutes" >&2
	# A file that exits non-zero counts as failed even if it said not.
	[ $rc != 0 ] && [ "$q" = 0 ] && q=1
	passed=$((passed + p))
	failed=$((failed + q))
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
