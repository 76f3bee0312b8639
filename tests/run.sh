#!/usr/bin/env bash
# Run every test suite and end with one line: "N passed, N failed".
#
#   layers     libshop's layers hold (scripts/check-layers.py), and the
#              check fails on each kind of wrong include
#   unit       C unit tests (libcheck) and the Mustache specification
#   install    make install as a packager runs it, into a temporary build
#              and root: where each file goes, their checkers (mandoc,
#              lighttpd, apache2, systemd-analyze), the installed
#              programs running; README, man pages and code agree
#   cgi        the programs run as CGI, one test file per feature
#   server     the programs behind a real lighttpd (and Apache)
#   overlap    two generations on one data directory under load and
#              chaos (OVERLAP_SECONDS of it), then reconcile and audit;
#              the last units of a variant raced for
#   worker     shop-worker processes: jobs, leases, signals, SMTP, outbox
#   memcheck   the CGI tests again under valgrind: no leak, no error
#   asan       unit and CGI tests again built with ASan and UBSan
#   fuzz       every fuzz target for a short while
#   browser    Chromium: purchases, the customer account, and every storefront
#              page at 390 and 1280 px with axe-core (tests/browser/*.test.js)
#
# usage: tests/run.sh [suite...]    (default: all, in two lanes at once
#                                   and the browser last; TEST_LANES=1
#                                   runs them one after the other)
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONDONTWRITEBYTECODE=1
PY=${PYTHON:-python3}
suites=${*:-layers unit install cgi server overlap worker memcheck asan fuzz browser}
passed=0
failed=0
failures=()
LOGDIR=build/test-logs
mkdir -p "$LOGDIR"

count() {	# name status logfile: add the log's "N passed, N failed"
	local line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$3" | tail -n 1)
	if [ -z "$line" ]; then
		p=0 f=1
	else
		p=${line%% passed*}
		f=${line#*, }; f=${f%% failed}
		[ "$2" != 0 ] && [ "$f" = 0 ] && f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" != 0 ] && failures+=("$1")
	printf '%-44s %4s passed %3s failed\n' "$1" "$p" "$f"
}

run_unit() {	# $1 build dir, $2 label
	local t log rc line c f e
	for t in "$1"/tests/unit/*; do
		[ -x "$t" ] || continue
		log=$LOGDIR/$2-$(basename "$t").log
		SHOP_SPEC_DIR=tests/mustache-spec CK_FORK=no "$t" >"$log" 2>&1
		rc=$?
		# libcheck: "100%: Checks: 12, Failures: 0, Errors: 0"
		line=$(grep -E 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -n 1)
		if [ -n "$line" ]; then
			c=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
			f=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
			e=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
			echo "$((c - f - e)) passed, $((f + e)) failed" >>"$log"
		fi
		count "$2/$(basename "$t")" $rc "$log"
		[ $rc != 0 ] && sed 's/^/    /' "$log" | tail -n 30
	done
}

# run_py DIR LABEL [VAR=value...]: every DIR/test_*.py, one after the
# other; prun_py does the same JOBS at a time (files that only run
# programs as CGI, on their own temporary directories), then reports them
# in order.
run_py() {
	local dir=$1 label=$2 t
	shift 2
	for t in "$dir"/test_*.py; do
		[ -f "$t" ] || continue
		py_one "$t" "$label" "$@"
		py_report "$t" "$label"
	done
}

py_one() {	# file label env...: run one file into its log and rc file
	local t=$1 label=$2 log
	shift 2
	log=$LOGDIR/$label-$(basename "$t" .py).log
	env "$@" timeout 900 "$PY" "$t" >"$log" 2>&1
	echo $? >"$log.rc"
}

py_report() {	# file label
	local log=$LOGDIR/$2-$(basename "$1" .py).log rc
	rc=$(cat "$log.rc" 2>/dev/null || echo 1)
	count "$2/$(basename "$1" .py)" "$rc" "$log"
	[ "$rc" != 0 ] && grep -A25 '^FAIL' "$log" | head -n 80 | sed 's/^/    /'
	return 0
}

prun_py() {
	local dir=$1 label=$2 t running=0
	shift 2
	for t in "$dir"/test_*.py; do
		[ -f "$t" ] || continue
		if [ $running -ge "$JOBS" ]; then
			wait -n
			running=$((running - 1))
		fi
		py_one "$t" "$label" "$@" &
		running=$((running + 1))
	done
	wait
	for t in "$dir"/test_*.py; do
		[ -f "$t" ] && py_report "$t" "$label"
	done
}

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

VALGRIND="valgrind --quiet --error-exitcode=99 --leak-check=full \
--show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
--suppressions=$ROOT/tests/valgrind.supp --num-callers=30"

run_suite() {	# name: run one suite, its counts added, its time said
	local s=$1 start log rc
	start=$(date +%s)
	echo "== $s"
	case $s in
	layers)	run_py tests/layers layers ;;
	unit)	run_unit build/test unit ;;
	install) run_py tests/install install ;;
	cgi)	prun_py tests/cgi cgi ;;
	server)	run_py tests/server server ;;
	overlap)
		run_py tests/overlap overlap
		# The counts of the run, for whoever reads the summary.
		grep -h '^overlap summary: ' "$LOGDIR"/overlap-test_overlap.log \
		    2>/dev/null | sed 's/^overlap summary: /    /' ;;
	worker)	run_py tests/worker worker ;;
	memcheck)
		prun_py tests/cgi memcheck SHOP_WRAP="$VALGRIND" SHOP_MEMCHECK=1 \
		    SHOP_FCGI=1 ;;
	asan)
		run_unit build/asan/test asan
		prun_py tests/cgi asan SHOP_BUILD=build/asan/test \
		    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
		    LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp \
		    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
		    SHOP_WRAP=env ;;
	fuzz)	log=$LOGDIR/fuzz.log
		tests/run-fuzz.sh "${FUZZ_SECONDS:-4}" >"$log" 2>&1
		count fuzz $? "$log" ;;
	browser)
		[ -x tests/browser/run.sh ] || return 0
		log=$LOGDIR/browser.log
		tests/browser/run.sh >"$log" 2>&1
		rc=$?
		count browser $rc "$log"
		[ $rc != 0 ] && tail -n 40 "$log" | sed 's/^/    /' ;;
	*)	echo "unknown suite $s" >&2; exit 2 ;;
	esac
	echo "   ($s: $(( $(date +%s) - start )) s)"
}

# The whole run in two lanes at once (TEST_LANES=1: one after the
# other): the suites that keep both cores busy (unit, cgi, memcheck,
# asan, fuzz) here, and beside them another run.sh with those that mostly
# wait on servers, sockets and clocks (layers, install, server, overlap,
# worker); then the browser alone, as Chromium's steps have timeouts.
# The other lane's report is printed, and counted, when it ends.
lane=
after=
if [ $# -eq 0 ] && [ "${TEST_LANES:-2}" != 1 ]; then
	TEST_LANES=1 "$0" layers install server overlap worker \
	    >"$LOGDIR/lane.log" 2>&1 &
	lane=$!
	suites="unit cgi memcheck asan fuzz"
	after=browser
fi
for s in $suites; do
	run_suite "$s"
done
if [ -n "$lane" ]; then
	wait "$lane"
	echo "== the other lane: layers install server overlap worker"
	grep -vE '^[0-9]+ passed, [0-9]+ failed$|^failed: |^logs: ' \
	    "$LOGDIR/lane.log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOGDIR/lane.log" |
	    tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		failures+=("lane")
	else
		passed=$((passed + ${line%% passed*}))
		f=${line#*, }; f=${f%% failed}
		failed=$((failed + f))
		for x in $(sed -n 's/^failed: //p' "$LOGDIR/lane.log"); do
			failures+=("$x")
		done
	fi
fi
for s in $after; do
	run_suite "$s"
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
	echo "logs: $LOGDIR/"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
