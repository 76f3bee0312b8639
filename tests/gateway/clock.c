/*
 * What happens with time: sessions past expires_at expire, asynchronous
 * payments settle, webhook deliveries go out and are retried. Each
 * FastCGI process has a clock thread; the one holding an flock on
 * GATEWAY_DATA_DIR/gateway.clock does this every GW_POLL_MS whether or
 * not requests arrive, so deliveries go out one at a time in order. When
 * that process dies the kernel drops its lock and another process's
 * clock takes over. Everything it works from is in the database, so
 * nothing is lost (a claimed delivery comes due again when its lease
 * ends).
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "core/arena.h"
#include "core/log.h"
#include "data/db.h"
#include "ext/stripe_sig.h"

#include "gateway.h"

struct clock {
	const struct gw_config	*cfg;
	pthread_t		 tid;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	volatile int		 stop;
	bool			 running;
};

static struct clock	the_clock = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

/*
 * Settle asynchronous payments whose time has come: the payment intent
 * succeeds (the session becomes paid) or fails, and the matching
 * checkout.session.async_payment_* event is emitted. One transaction
 * each. Returns how many, or -1.
 */
static int
settle_due(struct gw_thread *t, struct arena *a)
{
	static const char	 due_sql[] =
	    "SELECT id, session_id, settle_outcome FROM payment_intents"
	    " WHERE status = 'processing' AND settle_at_ms <= ? LIMIT 50";
	static const char	 pi_sql[] =
	    "UPDATE payment_intents SET status = ? WHERE id = ?"
	    " AND status = 'processing'";
	static const char	 session_sql[] =
	    "UPDATE sessions SET payment_status = 'paid' WHERE id = ?";
	struct db		*d = t->db;
	sqlite3_stmt		*st;
	char			*pi[50], *sid[50];
	bool			 ok[50];
	int			 n = 0, i;

	if ((st = db_prep(d, due_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, gw_now_ms());
	while (n < 50 && db_step(d, st) == SQLITE_ROW) {
		pi[n] = db_text(a, st, 0);
		sid[n] = db_text(a, st, 1);
		ok[n] = strcmp((const char *)sqlite3_column_text(st, 2),
		    "succeeded") == 0;
		n++;
	}
	sqlite3_reset(st);
	for (i = 0; i < n; i++) {
		if (db_begin(d) != 0 || (st = db_prep(d, pi_sql)) == NULL)
			goto fail;
		sqlite3_bind_text(st, 1, ok[i] ? "succeeded" :
		    "requires_payment_method", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, pi[i], -1, SQLITE_STATIC);
		if (db_step(d, st) != SQLITE_DONE)
			goto fail;
		if (sqlite3_changes(db_handle(d)) == 0) {
			db_rollback(d);
			continue;
		}
		if (ok[i]) {
			if ((st = db_prep(d, session_sql)) == NULL)
				goto fail;
			sqlite3_bind_text(st, 1, sid[i], -1, SQLITE_STATIC);
			if (db_step(d, st) != SQLITE_DONE)
				goto fail;
		}
		if (gw_event_emit(t, a, ok[i] ?
		    "checkout.session.async_payment_succeeded" :
		    "checkout.session.async_payment_failed",
		    gw_session_json(d, a, sid[i]), NULL, NULL) != 0 ||
		    db_commit(d) != 0)
			goto fail;
		log_info("payment %s of session %s %s", pi[i], sid[i],
		    ok[i] ? "succeeded" : "failed");
	}
	return n;
fail:
	db_rollback(d);
	return -1;
}

/* Stop a delivery in flight when the process is stopping. */
static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	const volatile int	*stop = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return stop != NULL && *stop;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/*
 * POST one event body to url, signed now with the webhook secret as
 * Stripe signs ("Stripe-Signature: t=...,v1=..."). Returns the HTTP
 * status, or 0 with the cause in err.
 */
static long
post_event(struct gw_thread *t, const char *url, const char *body,
    char *err, size_t errlen)
{
	struct curl_slist	*h = NULL;
	char			 sig[STRIPE_SIG_HEX], line[160];
	char			 cerr[CURL_ERROR_SIZE] = "";
	long long		 now = gw_now();
	long			 status = 0;
	CURLcode		 rc;

	if (t->curl == NULL && (t->curl = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "curl_easy_init failed");
		return 0;
	}
	stripe_sig_sign(t->cfg->webhook_secret, now, body, strlen(body), sig);
	snprintf(line, sizeof(line), "Stripe-Signature: t=%lld,v1=%s", now,
	    sig);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Content-Type: application/json; "
	    "charset=utf-8");
	h = curl_slist_append(h, "Expect:");
	curl_easy_reset(t->curl);
	curl_easy_setopt(t->curl, CURLOPT_URL, url);
	curl_easy_setopt(t->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(t->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(t->curl, CURLOPT_USERAGENT,
	    "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
	curl_easy_setopt(t->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)GW_WEBHOOK_CONNECT_MS);
	curl_easy_setopt(t->curl, CURLOPT_TIMEOUT_MS,
	    (long)GW_WEBHOOK_TIMEOUT_MS);
	curl_easy_setopt(t->curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(t->curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(t->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(t->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(t->curl, CURLOPT_XFERINFODATA, t->stop);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(t->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	rc = curl_easy_perform(t->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s", cerr[0] ? cerr :
		    curl_easy_strerror(rc));
	curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(t->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(h);
	return status;
}

struct claimed {
	sqlite3_int64	 seq;
	char		*url;
	char		*body;
	char		*event;
	int		 attempts;
	long long	 created_ms;
};

/*
 * Claim the due deliveries (oldest first, or newest event first under
 * the reorder fault) by moving them a lease into the future, attempt
 * each outside any transaction, and record the outcome: delivered on a
 * 2xx, else retried with backoff until GATEWAY_DELIVERY_MAX_AGE, then
 * failed. Returns the number attempted, or -1.
 */
static int
deliver_due(struct gw_thread *t, struct arena *a)
{
	static const char	 due_sql[] =
	    "SELECT d.seq, d.url, e.body, e.id, d.attempts, d.created_ms"
	    " FROM deliveries d JOIN events e ON e.seq = d.event_seq"
	    " WHERE d.state = 'pending' AND d.next_at_ms <= ?1"
	    " ORDER BY CASE WHEN ?2 THEN -d.event_seq ELSE d.next_at_ms END,"
	    " d.seq LIMIT ?3";
	static const char	 lease_sql[] =
	    "UPDATE deliveries SET next_at_ms = ? WHERE seq = ?";
	static const char	 done_sql[] =
	    "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1,"
	    " last_status = ?, last_error = NULL, delivered_ms = ?"
	    " WHERE seq = ?";
	static const char	 retry_sql[] =
	    "UPDATE deliveries SET state = ?, attempts = attempts + 1,"
	    " last_status = ?, last_error = ?, next_at_ms = ? WHERE seq = ?";
	struct db		*d = t->db;
	struct gw_faults	 f;
	struct claimed		 c[GW_BATCH];
	sqlite3_stmt		*st;
	long long		 now = gw_now_ms(), backoff;
	long			 status;
	char			 err[CURL_ERROR_SIZE + 64];
	int			 n = 0, i;
	bool			 ok, expired;

	if (db_begin(d) != 0)
		return -1;
	if (gw_faults_get(d, &f) != 0 || (st = db_prep(d, due_sql)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, f.reorder);
	sqlite3_bind_int(st, 3, GW_BATCH);
	while (n < GW_BATCH && db_step(d, st) == SQLITE_ROW) {
		c[n].seq = sqlite3_column_int64(st, 0);
		c[n].url = db_text(a, st, 1);
		c[n].body = db_text(a, st, 2);
		c[n].event = db_text(a, st, 3);
		c[n].attempts = sqlite3_column_int(st, 4);
		c[n].created_ms = sqlite3_column_int64(st, 5);
		n++;
	}
	sqlite3_reset(st);
	for (i = 0; i < n; i++) {
		if ((st = db_prep(d, lease_sql)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, now + GW_LEASE_MS);
		sqlite3_bind_int64(st, 2, c[i].seq);
		if (db_step(d, st) != SQLITE_DONE)
			goto fail;
	}
	if (db_commit(d) != 0)
		return -1;

	for (i = 0; i < n; i++) {
		if (t->stop != NULL && *t->stop)
			break;
		err[0] = '\0';
		status = post_event(t, c[i].url, c[i].body, err, sizeof(err));
		ok = status >= 200 && status <= 299;
		if (!ok && err[0] == '\0')
			snprintf(err, sizeof(err), "HTTP %ld", status);
		now = gw_now_ms();
		backoff = (long long)GW_BACKOFF_FIRST_MS << (c[i].attempts < 16 ?
		    c[i].attempts : 16);
		if (backoff > GW_BACKOFF_MAX_MS)
			backoff = GW_BACKOFF_MAX_MS;
		expired = now - c[i].created_ms > t->cfg->max_age_s * 1000;
		if (db_begin(d) != 0)
			return -1;
		if ((st = db_prep(d, ok ? done_sql : retry_sql)) == NULL)
			goto fail;
		if (ok) {
			sqlite3_bind_int(st, 1, (int)status);
			sqlite3_bind_int64(st, 2, now);
			sqlite3_bind_int64(st, 3, c[i].seq);
		} else {
			sqlite3_bind_text(st, 1, expired ? "failed" : "pending",
			    -1, SQLITE_STATIC);
			if (status != 0)
				sqlite3_bind_int(st, 2, (int)status);
			sqlite3_bind_text(st, 3, err, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, now + backoff);
			sqlite3_bind_int64(st, 5, c[i].seq);
		}
		if (db_step(d, st) != SQLITE_DONE || db_commit(d) != 0)
			goto fail;
		if (ok)
			log_info("delivery %lld of %s: %ld", (long long)c[i].seq,
			    c[i].event, status);
		else
			log_warn("delivery %lld of %s: %s; %s",
			    (long long)c[i].seq, c[i].event, err, expired ?
			    "giving up" : "will retry");
	}
	return n;
fail:
	db_rollback(d);
	return -1;
}

int
gw_tick(struct gw_thread *t, struct arena *a)
{
	(void)gw_expire_due(t, a);
	(void)settle_due(t, a);
	return deliver_due(t, a);
}

/*
 * The clock thread: its own connection and curl handle, a pass every
 * GW_POLL_MS until gw_clock_stop(). It blocks the stop signals, so they
 * reach the thread that accepts requests.
 */
static void *
clock_main(void *arg)
{
	struct clock		*c = arg;
	struct gw_thread	 t;
	struct arena		*a = arena_new();
	struct timespec		 until;
	sigset_t		 set;
	char			 err[512], path[4200];
	bool			 mine = false;
	int			 fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (gw_thread_open(&t, c->cfg, err, sizeof(err)) != 0) {
		log_error("clock: %s", err);
		arena_free(a);
		return NULL;
	}
	t.stop = &c->stop;
	log_set_req("clock");
	snprintf(path, sizeof(path), "%s/gateway.clock", c->cfg->data_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660)) < 0)
		log_error("clock: %s: %s", path, strerror(errno));
	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		pthread_mutex_unlock(&c->mu);
		if (!mine && fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			mine = true;
			log_info("clock: this process keeps the time");
		}
		if (mine) {
			(void)gw_tick(&t, a);
			arena_reset(a);
			db_reset_all(t.db);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)GW_POLL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&c->mu);
		if (!c->stop)
			pthread_cond_timedwait(&c->cv, &c->mu, &until);
	}
	pthread_mutex_unlock(&c->mu);
	if (fd >= 0)
		close(fd);
	gw_thread_close(&t);
	arena_free(a);
	return NULL;
}

int
gw_clock_start(const struct gw_config *cfg)
{
	int	rc;

	the_clock.cfg = cfg;
	the_clock.stop = 0;
	if ((rc = pthread_create(&the_clock.tid, NULL, clock_main,
	    &the_clock)) != 0) {
		log_error("clock: pthread_create: %s", strerror(rc));
		return -1;
	}
	the_clock.running = true;
	return 0;
}

void
gw_clock_stop(void)
{
	if (!the_clock.running)
		return;
	pthread_mutex_lock(&the_clock.mu);
	the_clock.stop = 1;
	pthread_cond_signal(&the_clock.cv);
	pthread_mutex_unlock(&the_clock.mu);
	pthread_join(the_clock.tid, NULL);
	the_clock.running = false;
}
