/*
 * stripe_cli: drive lib/ext/stripe.c from the command line, for the tests
 * (tests/server/test_stripe_client.py) and for trying a gateway by hand.
 * STRIPE_API_BASE and STRIPE_SECRET_KEY come from the environment.
 *
 *   stripe_cli [timeouts] create idem=KEY currency=eur item=NAME:AMOUNT:QTY...
 *       [order=ID] [ref=ID] [success=URL] [cancel=URL] [email=ADDR]
 *       [expires=UNIXTIME]
 *   stripe_cli [timeouts] get ID
 *   stripe_cli [timeouts] list [since=UNIXTIME] [limit=N] [after=ID] [all=1]
 *   stripe_cli [timeouts] expire ID idem=KEY
 *   stripe_cli [timeouts] line-items ID
 *   stripe_cli [timeouts] refund PAYMENT_INTENT AMOUNT idem=KEY [reason=R]
 *       [meta=KEY:VALUE]...
 *   stripe_cli [timeouts] refund-get ID
 *   stripe_cli [timeouts] refunds [pi=PAYMENT_INTENT] [since=T] [limit=N]
 *       [after=ID]
 *   stripe_cli event < body
 *   stripe_cli verify HEADER SECRET NOW < body
 *
 * timeouts: connect_ms=N attempt_ms=N deadline_ms=N attempts=N
 *
 * Prints one JSON object: {"ok":true,...} or {"ok":false,"error":{...}}.
 * Exits 0 when ok, 1 when the call failed, 2 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/tval.h"
#include "ext/stripe.h"
#include "ext/stripe_sig.h"

#define MAX_ITEMS	STRIPE_MAX_LINE_ITEMS
#define MAX_BODY	(1024 * 1024)

static const char	*usage_text =
    "usage: stripe_cli [connect_ms=N attempt_ms=N deadline_ms=N attempts=N]\n"
    "    create idem=KEY currency=CUR item=NAME:AMOUNT:QTY... [order=ID]\n"
    "        [ref=ID] [success=URL] [cancel=URL] [email=ADDR] [expires=T]\n"
    "  | get ID | list [since=T] [limit=N] [after=ID] [all=1]\n"
    "  | expire ID idem=KEY | line-items ID\n"
    "  | refund PAYMENT_INTENT AMOUNT idem=KEY [reason=R] [meta=K:V]...\n"
    "  | refund-get ID | refunds [pi=ID] [since=T] [limit=N] [after=ID]\n"
    "  | event < body | verify HEADER SECRET NOW < body\n";

static int
usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

/* The value of "name=value" among args, or NULL. */
static const char *
arg(int argc, char **argv, const char *name)
{
	size_t	n = strlen(name);
	int	i;

	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

static long long
num(const char *s, long long fallback)
{
	char		*end;
	long long	 v;

	if (s == NULL)
		return fallback;
	v = strtoll(s, &end, 10);
	return *end == '\0' && end != s ? v : -1;
}

static void
print(struct tval *v)
{
	struct buf	b = { 0 };

	tval_json(&b, v);
	puts(buf_str(&b));
	buf_free(&b);
}

static void
put_str(struct arena *a, struct tval *m, const char *k, const char *v)
{
	if (v != NULL)
		tval_set_str(a, m, k, v);
	else
		tval_set(a, m, k, tval_null(a));
}

static struct tval *
session_tval(struct arena *a, const struct stripe_session *s)
{
	struct tval	*m = tval_map(a), *md;
	size_t		 i;

	tval_set_str(a, m, "id", s->id);
	put_str(a, m, "url", s->url);
	tval_set_str(a, m, "status", stripe_session_status_names[s->status]);
	tval_set_str(a, m, "payment_status",
	    stripe_payment_status_names[s->payment_status]);
	tval_set_int(a, m, "amount_total", s->amount_total);
	put_str(a, m, "currency", s->currency);
	put_str(a, m, "client_reference_id", s->client_reference_id);
	put_str(a, m, "payment_intent", s->payment_intent);
	put_str(a, m, "customer_email", s->customer_email);
	tval_set_int(a, m, "created", s->created);
	tval_set_int(a, m, "expires_at", s->expires_at);
	md = tval_set_map(a, m, "metadata");
	for (i = 0; i < s->nmetadata; i++)
		tval_set_str(a, md, s->metadata[i].key, s->metadata[i].value);
	return m;
}

static int
fail(struct arena *a, const struct stripe_error *e)
{
	struct tval	*root = tval_map(a), *m;

	tval_set_bool(a, root, "ok", false);
	m = tval_set_map(a, root, "error");
	tval_set_str(a, m, "kind", stripe_err_names[e->kind]);
	tval_set_bool(a, m, "unknown_outcome",
	    stripe_err_unknown_outcome(e->kind));
	tval_set_int(a, m, "status", e->status);
	tval_set_int(a, m, "attempts", e->attempts);
	tval_set_str(a, m, "type", e->type);
	tval_set_str(a, m, "code", e->code);
	tval_set_str(a, m, "param", e->param);
	tval_set_str(a, m, "request_id", e->request_id);
	tval_set_str(a, m, "message", e->message);
	print(root);
	return 1;
}

static char *
read_stdin(struct arena *a, size_t *len)
{
	char	*p = arena_alloc(a, MAX_BODY + 1);
	size_t	 n;

	n = fread(p, 1, MAX_BODY, stdin);
	p[n] = '\0';
	*len = n;
	return p;
}

static int
cmd_create(struct stripe *s, struct arena *a, int argc, char **argv)
{
	struct stripe_session_new	 p;
	struct stripe_session		 out;
	struct stripe_error		 err;
	struct stripe_item		 items[MAX_ITEMS];
	struct stripe_kv		 meta[2];
	struct tval			*root;
	const char			*order = arg(argc, argv, "order");
	char				*spec, *c1, *c2;
	int				 i;

	memset(&p, 0, sizeof(p));
	p.currency = arg(argc, argv, "currency");
	p.items = items;
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "item=", 5) != 0)
			continue;
		if (p.nitems == MAX_ITEMS)
			return usage();
		spec = arena_strdup(a, argv[i] + 5);
		if ((c2 = strrchr(spec, ':')) == NULL)
			return usage();
		*c2++ = '\0';
		if ((c1 = strrchr(spec, ':')) == NULL)
			return usage();
		*c1++ = '\0';
		items[p.nitems].name = spec;
		items[p.nitems].unit_amount = num(c1, -1);
		items[p.nitems].quantity = num(c2, -1);
		p.nitems++;
	}
	if (order != NULL) {
		meta[0].key = "order_id";
		meta[0].value = order;
		meta[1].key = "order_token";
		meta[1].value = arena_printf(a, "tok-%s", order);
		p.metadata = meta;
		p.nmetadata = 2;
	}
	p.client_reference_id = arg(argc, argv, "ref");
	p.success_url = arg(argc, argv, "success") ? arg(argc, argv,
	    "success") : "http://127.0.0.1/checkout/success?session_id="
	    "{CHECKOUT_SESSION_ID}";
	p.cancel_url = arg(argc, argv, "cancel");
	p.customer_email = arg(argc, argv, "email");
	p.expires_at = num(arg(argc, argv, "expires"), 0);
	if (stripe_session_create(s, a, &p, arg(argc, argv, "idem"), &out,
	    &err) != 0)
		return fail(a, &err);
	root = tval_map(a);
	tval_set_bool(a, root, "ok", true);
	tval_set_int(a, root, "attempts", err.attempts);
	tval_set(a, root, "session", session_tval(a, &out));
	print(root);
	return 0;
}

static int
cmd_session(struct stripe *s, struct arena *a, const char *cmd, int argc,
    char **argv)
{
	struct stripe_session	 out;
	struct stripe_error	 err;
	struct tval		*root;
	int			 rc;

	if (argc < 1)
		return usage();
	if (strcmp(cmd, "get") == 0)
		rc = stripe_session_get(s, a, argv[0], &out, &err);
	else
		rc = stripe_session_expire(s, a, argv[0], arg(argc, argv,
		    "idem"), &out, &err);
	if (rc != 0)
		return fail(a, &err);
	root = tval_map(a);
	tval_set_bool(a, root, "ok", true);
	tval_set_int(a, root, "attempts", err.attempts);
	tval_set(a, root, "session", session_tval(a, &out));
	print(root);
	return 0;
}

/* One page, or with all=1 every page (starting_after the last id). */
static int
cmd_list(struct stripe *s, struct arena *a, int argc, char **argv)
{
	struct stripe_session_query	 q;
	struct stripe_session_list	 l;
	struct stripe_error		 err;
	struct tval			*root = tval_map(a), *data;
	bool				 all = arg(argc, argv, "all") != NULL;
	int				 pages = 0;
	size_t				 i;

	memset(&q, 0, sizeof(q));
	q.created_gte = num(arg(argc, argv, "since"), 0);
	q.limit = (size_t)num(arg(argc, argv, "limit"), 0);
	q.starting_after = arg(argc, argv, "after");
	tval_set_bool(a, root, "ok", true);
	data = tval_set_list(a, root, "data");
	do {
		if (stripe_session_list(s, a, &q, &l, &err) != 0)
			return fail(a, &err);
		pages++;
		for (i = 0; i < l.n; i++)
			tval_push(a, data, session_tval(a, &l.v[i]));
		if (l.n > 0)
			q.starting_after = l.v[l.n - 1].id;
	} while (all && l.has_more && l.n > 0);
	tval_set_bool(a, root, "has_more", l.has_more);
	tval_set_int(a, root, "pages", pages);
	print(root);
	return 0;
}

static int
cmd_line_items(struct stripe *s, struct arena *a, int argc, char **argv)
{
	struct stripe_line_items	 l;
	struct stripe_error		 err;
	struct tval			*root, *data, *m;
	size_t				 i;

	if (argc < 1)
		return usage();
	if (stripe_session_line_items(s, a, argv[0], &l, &err) != 0)
		return fail(a, &err);
	root = tval_map(a);
	tval_set_bool(a, root, "ok", true);
	data = tval_set_list(a, root, "data");
	for (i = 0; i < l.n; i++) {
		m = tval_push_map(a, data);
		tval_set_str(a, m, "id", l.v[i].id);
		put_str(a, m, "description", l.v[i].description);
		tval_set_int(a, m, "quantity", l.v[i].quantity);
		tval_set_int(a, m, "unit_amount", l.v[i].unit_amount);
		tval_set_int(a, m, "amount_total", l.v[i].amount_total);
		put_str(a, m, "currency", l.v[i].currency);
	}
	tval_set_bool(a, root, "has_more", l.has_more);
	print(root);
	return 0;
}

static struct tval *
refund_tval(struct arena *a, const struct stripe_refund *r)
{
	struct tval	*m = tval_map(a), *md;
	size_t		 i;

	tval_set_str(a, m, "id", r->id);
	put_str(a, m, "payment_intent", r->payment_intent);
	put_str(a, m, "charge", r->charge);
	tval_set_int(a, m, "amount", r->amount);
	put_str(a, m, "currency", r->currency);
	tval_set_str(a, m, "status", stripe_refund_status_names[r->status]);
	put_str(a, m, "reason", r->reason);
	tval_set_int(a, m, "created", r->created);
	md = tval_set_map(a, m, "metadata");
	for (i = 0; i < r->nmetadata; i++)
		tval_set_str(a, md, r->metadata[i].key, r->metadata[i].value);
	return m;
}

static int
cmd_refund(struct stripe *s, struct arena *a, int argc, char **argv)
{
	struct stripe_refund_new n;
	struct stripe_refund	 out;
	struct stripe_error	 err;
	struct stripe_kv	*meta;
	struct tval		*root;
	char			*k, *colon;
	int			 i;

	if (argc < 2)
		return usage();
	memset(&n, 0, sizeof(n));
	meta = arena_calloc(a, (size_t)argc, sizeof(*meta));
	for (i = 2; i < argc; i++) {
		if (strncmp(argv[i], "meta=", 5) != 0)
			continue;
		k = arena_strdup(a, argv[i] + 5);
		if ((colon = strchr(k, ':')) == NULL)
			return usage();
		*colon = '\0';
		meta[n.nmetadata].key = k;
		meta[n.nmetadata++].value = colon + 1;
	}
	n.payment_intent = argv[0];
	n.amount = num(argv[1], -1);
	n.reason = arg(argc, argv, "reason");
	n.metadata = meta;
	if (stripe_refund_create(s, a, &n, arg(argc, argv, "idem"), &out,
	    &err) != 0)
		return fail(a, &err);
	root = tval_map(a);
	tval_set_bool(a, root, "ok", true);
	tval_set_int(a, root, "attempts", err.attempts);
	tval_set(a, root, "refund", refund_tval(a, &out));
	print(root);
	return 0;
}

static int
cmd_refund_get(struct stripe *s, struct arena *a, int argc, char **argv)
{
	struct stripe_refund	 out;
	struct stripe_error	 err;
	struct tval		*root;

	if (argc < 1)
		return usage();
	if (stripe_refund_get(s, a, argv[0], &out, &err) != 0)
		return fail(a, &err);
	root = tval_map(a);
	tval_set_bool(a, root, "ok", true);
	tval_set(a, root, "refund", refund_tval(a, &out));
	print(root);
	return 0;
}

static int
cmd_refunds(struct stripe *s, struct arena *a, int argc, char **argv)
{
	struct stripe_refund_query q;
	struct stripe_refund_list l;
	struct stripe_error	 err;
	struct tval		*root, *data;
	size_t			 i;

	memset(&q, 0, sizeof(q));
	q.payment_intent = arg(argc, argv, "pi");
	q.created_gte = num(arg(argc, argv, "since"), 0);
	q.limit = (size_t)num(arg(argc, argv, "limit"), 0);
	q.starting_after = arg(argc, argv, "after");
	if (stripe_refund_list(s, a, &q, &l, &err) != 0)
		return fail(a, &err);
	root = tval_map(a);
	tval_set_bool(a, root, "ok", true);
	data = tval_set_list(a, root, "data");
	for (i = 0; i < l.n; i++)
		tval_push(a, data, refund_tval(a, &l.v[i]));
	tval_set_bool(a, root, "has_more", l.has_more);
	print(root);
	return 0;
}

static int
cmd_event(struct stripe *s, struct arena *a)
{
	struct stripe_event	 ev;
	struct stripe_error	 err;
	struct tval		*root, *m;
	size_t			 len, i;
	char			*body = read_stdin(a, &len);

	if (stripe_event_parse(s, a, body, len, &ev, &err) != 0)
		return fail(a, &err);
	root = tval_map(a);
	tval_set_bool(a, root, "ok", true);
	tval_set_str(a, root, "id", ev.id);
	tval_set_str(a, root, "type", stripe_event_type_names[ev.type]);
	tval_set_str(a, root, "type_name", ev.type_name);
	tval_set_int(a, root, "created", ev.created);
	tval_set_str(a, root, "object", ev.object_type);
	if (strcmp(ev.object_type, "checkout.session") == 0)
		tval_set(a, root, "session", session_tval(a, &ev.session));
	if (strcmp(ev.object_type, "charge") == 0) {
		m = tval_set_map(a, root, "charge");
		tval_set_str(a, m, "id", ev.charge.id);
		put_str(a, m, "payment_intent", ev.charge.payment_intent);
		tval_set_int(a, m, "amount", ev.charge.amount);
		tval_set_int(a, m, "amount_refunded", ev.charge.amount_refunded);
		tval_set_bool(a, m, "refunded", ev.charge.refunded);
		m = tval_set_map(a, m, "metadata");
		for (i = 0; i < ev.charge.nmetadata; i++)
			tval_set_str(a, m, ev.charge.metadata[i].key,
			    ev.charge.metadata[i].value);
	}
	print(root);
	return 0;
}

static int
cmd_verify(struct arena *a, int argc, char **argv)
{
	enum stripe_sig_result	 res;
	struct tval		*root;
	size_t			 len;
	char			*body;

	if (argc < 3)
		return usage();
	body = read_stdin(a, &len);
	res = stripe_sig_verify(argv[0], body, len, argv[1], num(argv[2], 0));
	root = tval_map(a);
	tval_set_bool(a, root, "ok", res == STRIPE_SIG_OK);
	tval_set_int(a, root, "result", res);
	tval_set_str(a, root, "message", stripe_sig_results[res]);
	print(root);
	return res == STRIPE_SIG_OK ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	struct config		 cfg;
	struct stripe		*s = NULL;
	struct stripe_opts	 o;
	struct arena		*a;
	char			 err[256];
	const char		*cmd;
	int			 i, rc;

	if (sodium_init() < 0)
		return 1;
	memset(&o, 0, sizeof(o));
	for (i = 1; i < argc && strchr(argv[i], '=') != NULL; i++) {
		if (strncmp(argv[i], "connect_ms=", 11) == 0)
			o.connect_ms = (int)num(argv[i] + 11, 0);
		else if (strncmp(argv[i], "attempt_ms=", 11) == 0)
			o.attempt_ms = (int)num(argv[i] + 11, 0);
		else if (strncmp(argv[i], "deadline_ms=", 12) == 0)
			o.deadline_ms = (int)num(argv[i] + 12, 0);
		else if (strncmp(argv[i], "attempts=", 9) == 0)
			o.max_attempts = (int)num(argv[i] + 9, 0);
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	cmd = argv[i++];
	argc -= i;
	argv += i;
	a = arena_new();
	if (strcmp(cmd, "verify") == 0) {
		rc = cmd_verify(a, argc, argv);
		arena_free(a);
		return rc;
	}
	if (config_load(&cfg, err, sizeof(err)) != 0 ||
	    (s = stripe_new(cfg.stripe_api_base, cfg.stripe_secret_key, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "stripe_cli: %s\n", err);
		arena_free(a);
		return 2;
	}
	stripe_set_opts(s, &o);
	if (strcmp(cmd, "create") == 0)
		rc = cmd_create(s, a, argc, argv);
	else if (strcmp(cmd, "get") == 0 || strcmp(cmd, "expire") == 0)
		rc = cmd_session(s, a, cmd, argc, argv);
	else if (strcmp(cmd, "list") == 0)
		rc = cmd_list(s, a, argc, argv);
	else if (strcmp(cmd, "line-items") == 0)
		rc = cmd_line_items(s, a, argc, argv);
	else if (strcmp(cmd, "refund") == 0)
		rc = cmd_refund(s, a, argc, argv);
	else if (strcmp(cmd, "refund-get") == 0)
		rc = cmd_refund_get(s, a, argc, argv);
	else if (strcmp(cmd, "refunds") == 0)
		rc = cmd_refunds(s, a, argc, argv);
	else if (strcmp(cmd, "event") == 0)
		rc = cmd_event(s, a);
	else
		rc = usage();
	stripe_free(s);
	arena_free(a);
	return rc;
}
