#!/bin/sh
# make run: migrate, seed an empty store, and serve it on 127.0.0.1:$PORT
# with lighttpd, with shop-worker beside it, until Ctrl-C or SIGTERM, which
# stop everything started here.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${PORT:-8080}
BUILD=${SHOP_BUILD:-$ROOT/build}
DATA=${SHOP_DATA_DIR:-$ROOT/var}
RUN=$DATA/run
export SHOP_DATA_DIR=$DATA
export SHOP_TEMPLATE_DIR=$ROOT/templates
export SHOP_BASE_URL=${SHOP_BASE_URL:-http://127.0.0.1:$PORT}
# Mail goes to $DATA/mail/ unless SMTP_URL is set; the sender needs a
# domain with a dot to pass the address check.
export SHOP_MAIL_FROM=${SHOP_MAIL_FROM:-shop@example.test}

mkdir -p "$DATA" "$RUN"
"$BUILD/bin/shopctl" migrate
"$BUILD/bin/shopctl" seed --if-empty

# fill TEMPLATE OUT: the @...@ values of a configuration template
fill() {
	sed -e "s|@ROOT@|$ROOT|g" -e "s|@BUILD@|$BUILD|g" -e "s|@PORT@|$PORT|g" \
	    -e "s|@DATA@|$DATA|g" -e "s|@RUN@|$RUN|g" \
	    -e "s|@BASE_URL@|$SHOP_BASE_URL|g" "$1" > "$2"
}

pids=
stop() {
	trap - INT TERM EXIT
	echo
	echo "stopping"
	for p in $pids; do kill -TERM "$p" 2>/dev/null || :; done
	for p in $pids; do wait "$p" 2>/dev/null || :; done
	exit 0
}
trap stop INT TERM EXIT

port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

fill httpd-conf/lighttpd.conf.in "$RUN/lighttpd.conf"
if bash -c "$(declare -f port_busy); port_busy $PORT"; then
	echo "run: port $PORT is in use; try: make run PORT=8081" >&2
	exit 1
fi
lighttpd -D -f "$RUN/lighttpd.conf" &
pids="$pids $!"
"$BUILD/bin/shop-worker" 2>>"$RUN/worker.log" &
pids="$pids $!"

i=0
until bash -c "$(declare -f port_busy); port_busy $PORT"; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "run: lighttpd did not start; see $RUN/error.log" >&2
		exit 1
	fi
	sleep 0.1
done
echo
echo "Shopfile is running at $SHOP_BASE_URL/"
echo "  data:   $DATA"
echo "  logs:   $RUN/error.log, $RUN/worker.log"
echo "  mail:   $DATA/mail/ (SMTP_URL unset)"
echo "Press Ctrl-C to stop."
wait
