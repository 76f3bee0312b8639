#!/usr/bin/env bash
# make run: migrate, seed an empty store, and serve it on 127.0.0.1:$PORT
# with lighttpd, with shop-worker beside it, until Ctrl-C or SIGTERM, which
# stop everything started here.
#
# Payments go to the test gateway (tests/gateway/), started on
# $GATEWAY_PORT (default PORT+1) with its data in $DATA/gateway and test
# secrets generated once into $DATA/gateway/secrets.env. Set
# STRIPE_API_BASE (and STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET) to use
# another Stripe, and no gateway is started.
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
# Mail goes to $DATA/mail/ unless SMTP_URL is set.
export SHOP_MAIL_FROM=${SHOP_MAIL_FROM:-shop@localhost}

GATEWAY_PORT=${GATEWAY_PORT:-$((PORT + 1))}
GATEWAY_DATA=$DATA/gateway
if [ -z "${STRIPE_API_BASE:-}" ]; then
	with_gateway=1
	mkdir -p "$GATEWAY_DATA"
	if [ ! -f "$GATEWAY_DATA/secrets.env" ]; then
		rnd() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
		umask 077
		printf 'STRIPE_SECRET_KEY=sk_test_%s\nSTRIPE_WEBHOOK_SECRET=whsec_%s\n' \
		    "$(rnd 16)" "$(rnd 24)" > "$GATEWAY_DATA/secrets.env"
		umask 022
	fi
	. "$GATEWAY_DATA/secrets.env"
	export STRIPE_API_BASE=http://127.0.0.1:$GATEWAY_PORT
	export STRIPE_SECRET_KEY STRIPE_WEBHOOK_SECRET
else
	with_gateway=0
fi

mkdir -p "$DATA" "$RUN"
"$BUILD/bin/shopctl" migrate
"$BUILD/bin/shopctl" seed --if-empty

# The demo store's back office: an administrator made once, its random
# password kept beside the data, readable by its owner only.
ADMIN_EMAIL=admin@shop.test
if [ ! -f "$DATA/admin-password.txt" ]; then
	out=$("$BUILD/bin/shopctl" -q user add --admin "$ADMIN_EMAIL" \
	    "Demo administrator" </dev/null 2>&1) || out=
	pw=$(printf '%s\n' "$out" | sed -n 's/^password: //p')
	if [ -n "$pw" ]; then
		(umask 077; printf '%s\n' "$pw" > "$DATA/admin-password.txt")
	fi
fi

# fill TEMPLATE OUT [PORT DATA BASE_URL]: a configuration template's values
fill() {
	scripts/fillconf.sh "$1" "$2" ROOT="$ROOT" BUILD="${6:-$BUILD}" \
	    PORT="${3:-$PORT}" DATA="${4:-$DATA}" RUN="$RUN" \
	    BASE_URL="${5:-$SHOP_BASE_URL}"
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

# port_busy PORT: whether something listens there.
port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_port PORT LOG: until something listens on PORT
wait_port() {
	i=0
	until port_busy "$1"; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "run: lighttpd did not start; see $2" >&2
			exit 1
		fi
		sleep 0.1
	done
}

fill httpd-conf/lighttpd.conf.in "$RUN/lighttpd.conf"
for p in $PORT $([ $with_gateway = 1 ] && echo "$GATEWAY_PORT"); do
	if port_busy "$p"; then
		echo "run: port $p is in use; try: make run PORT=8090" >&2
		exit 1
	fi
done

if [ $with_gateway = 1 ]; then
	fill tests/gateway/lighttpd.conf.in "$RUN/gateway.conf" \
	    "$GATEWAY_PORT" "$GATEWAY_DATA" "$STRIPE_API_BASE" "$BUILD/test"
	GATEWAY_SECRET_KEY=$STRIPE_SECRET_KEY \
	GATEWAY_WEBHOOK_SECRET=$STRIPE_WEBHOOK_SECRET \
	GATEWAY_WEBHOOK_URL=$SHOP_BASE_URL/webhooks/stripe \
	    lighttpd -D -f "$RUN/gateway.conf" &
	pids="$pids $!"
	wait_port "$GATEWAY_PORT" "$RUN/gateway-error.log"
fi

lighttpd -D -f "$RUN/lighttpd.conf" &
pids="$pids $!"
wait_port "$PORT" "$RUN/error.log"
"$BUILD/bin/shop-worker" 2>>"$RUN/worker.log" &
pids="$pids $!"

echo
echo "Shopfile is running at $SHOP_BASE_URL/"
echo "  data:    $DATA"
if [ -f "$DATA/admin-password.txt" ]; then
	echo "  back office: $SHOP_BASE_URL/admin, signed in as $ADMIN_EMAIL,"
	echo "               password in $DATA/admin-password.txt"
fi
echo "  logs:    $RUN/error.log, $RUN/worker.log"
[ -z "${SMTP_URL:-}" ] && echo "  mail:    $DATA/mail/"
if [ $with_gateway = 1 ]; then
	echo "  payments: test gateway at $STRIPE_API_BASE/"
	echo "            pay with 4242 4242 4242 4242; keys in $GATEWAY_DATA/secrets.env"
	echo "            webhooks to $SHOP_BASE_URL/webhooks/stripe"
else
	echo "  payments: $STRIPE_API_BASE"
fi
echo "Press Ctrl-C to stop."

# Until Ctrl-C or SIGTERM (the trap), one of the processes stopping, or
# make (our parent) being killed: a signal to make alone reaches no one
# else, so its going away is noticed here.
parent=$(ps -o ppid= -p $$ | tr -d ' ')
while :; do
	for p in $pids; do
		if ! kill -0 "$p" 2>/dev/null; then
			echo "run: a process stopped (see $RUN/*.log)" >&2
			stop
		fi
	done
	[ "$(ps -o ppid= -p $$ | tr -d ' ')" = "$parent" ] || stop
	sleep 1
done
