/*
 * Payment jobs: reconcile orders with the gateway and complete the
 * refunds left without a known answer, and release the stock of orders
 * that were not paid in time (lib/shop/settle.h and refund.h do the
 * work).
 */
#include <stdio.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "data/db.h"
#include "ext/stripe.h"
#include "shop/refund.h"
#include "shop/settle.h"
#include "jobs/handlers.h"
#include "jobs/payload.h"

/* How far back reconcile looks by default: sessions live at most 24 h. */
#define RECONCILE_HOURS		48
/* Holds are released this long after they end: clocks differ. */
#define RELEASE_GRACE		60

/* A client for this run, or NULL (ctx->err says why). */
static struct stripe *
client(struct job_ctx *ctx)
{
	struct stripe	*c = settle_client(ctx->cfg);

	if (c == NULL)
		snprintf(ctx->err, sizeof(ctx->err), "no gateway client: "
		    "STRIPE_SECRET_KEY or STRIPE_API_BASE is unusable");
	return c;
}

/* A shop without payments has nothing to reconcile: not a failure. */
static enum job_result
unconfigured(const char *what)
{
	log_info("%s: skipped: STRIPE_SECRET_KEY is not set", what);
	return JOB_OK;
}

static void
report(const char *what, const struct settle_report *r)
{
	log_info("%s: %lld sessions, %lld paid, %lld marked paid, %lld "
	    "recovered, %lld cancelled, %lld expired at the gateway, %lld "
	    "released, %lld attached, %lld unresolved events, %lld errors",
	    what, r->sessions, r->paid, r->repaired, r->recovered, r->voided,
	    r->expired_now, r->released, r->attached, r->unresolved,
	    r->errors);
}

/*
 * Payload: {"hours": N} (optional, 1..720) how far back to list
 * sessions. Retried when the gateway cannot be reached.
 */
enum job_result
job_reconcile(struct job_ctx *ctx)
{
	struct settle_report	 r = { 0 };
	struct refund_report	 rr = { 0 };
	struct stripe		*c;
	long long		 hours;
	int			 rc;

	if (job_opt_int(ctx, "$.hours", RECONCILE_HOURS, 1, 720, &hours) != 0)
		return JOB_FAIL;
	if (ctx->cfg->stripe_secret_key == NULL)
		return unconfigured("reconcile");
	if ((c = client(ctx)) == NULL)
		return JOB_RETRY;
	rc = settle_reconcile(ctx->db[DB_PRIMARY], c, ctx->arena,
	    clock_now() - hours * 3600, &r, NULL);
	if (refund_retry_pending(ctx->db[DB_PRIMARY], c, ctx->arena,
	    clock_now() - REFUND_RETRY_AFTER, &rr, NULL) != 0)
		rr.errors++;
	stripe_free(c);
	report("reconcile", &r);
	if (rr.pending > 0)
		log_info("reconcile: %lld refunds without an answer: %lld "
		    "completed, %lld failed, %lld still waiting, %lld errors",
		    rr.pending, rr.succeeded, rr.failed, rr.waiting,
		    rr.errors);
	if (rc != 0 || r.errors + rr.errors > 0) {
		snprintf(ctx->err, sizeof(ctx->err), "reconcile: %lld errors "
		    "(see the log)", r.errors + rr.errors);
		return JOB_RETRY;
	}
	return JOB_OK;
}

enum job_result
job_release_holds(struct job_ctx *ctx)
{
	struct settle_report	 r = { 0 };
	struct stripe		*c;
	int			 rc;

	if (ctx->cfg->stripe_secret_key == NULL)
		return unconfigured("release holds");
	if ((c = client(ctx)) == NULL)
		return JOB_RETRY;
	rc = settle_expire_holds(ctx->db[DB_PRIMARY], c, ctx->arena,
	    clock_now() - RELEASE_GRACE, &r, NULL);
	stripe_free(c);
	if (r.voided + r.released + r.repaired + r.errors > 0)
		report("release holds", &r);
	if (rc != 0 || r.errors > 0) {
		snprintf(ctx->err, sizeof(ctx->err), "release holds: %lld "
		    "errors (see the log)", r.errors);
		return JOB_RETRY;
	}
	return JOB_OK;
}
