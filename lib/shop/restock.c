/*
 * "Notify me" on a sold-out variant (see restock.h).
 */
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/text.h"
#include "core/tval.h"
#include "data/db.h"
#include "shop/notify.h"
#include "shop/restock.h"

const char *const restock_result_names[RESTOCK_RESULT__MAX] = {
	"ok",
	"not_found",
	"in_stock",
	"bad_email",
	"error",
};

const char *const restock_result_msgs[RESTOCK_RESULT__MAX] = {
	"We will email you once when it is back in stock.",
	"Choose one of the product's options.",
	"This option is in stock: you can add it to your cart now.",
	"Enter an email address, such as name@example.com.",
	"Your request could not be taken. Try again.",
};

static const char sql_variant[] =
    "SELECT v.stock FROM variants v JOIN products p ON p.id = v.product_id"
    " WHERE v.id = ?1 AND p.id = ?2 AND v.active AND p.active";
/* A request already mailed is pending again; a pending one stays. */
static const char sql_take[] =
    "INSERT INTO restock_requests (variant_id, email, created_at)"
    " VALUES (?1, ?2, ?3) ON CONFLICT (variant_id, email) DO UPDATE"
    " SET notified_at = NULL, created_at = excluded.created_at"
    " WHERE notified_at IS NOT NULL";
static const char sql_due[] =
    "SELECT r.id, r.email, r.mails, v.title, p.name, p.slug"
    " FROM restock_requests r JOIN variants v ON v.id = r.variant_id"
    " JOIN products p ON p.id = v.product_id"
    " WHERE r.variant_id = ?1 AND r.notified_at IS NULL AND v.stock > 0"
    " AND v.active AND p.active ORDER BY r.id";
static const char sql_mark[] =
    "UPDATE restock_requests SET notified_at = ?2, mails = mails + 1"
    " WHERE id = ?1 AND notified_at IS NULL";
static const char sql_pending[] =
    "SELECT count(*) FROM restock_requests WHERE variant_id = ?1"
    " AND notified_at IS NULL";

/* The time now as the schema keeps it, into ts (at least 32 bytes). */
static void
timestamp(char *ts, size_t len)
{
	time_t		now = (time_t)clock_now();
	struct tm	tm;

	gmtime_r(&now, &tm);
	strftime(ts, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* An address as the form takes it: one line, an "@" inside. */
static bool
email_ok(const char *s)
{
	const char	*at;
	size_t		 n;

	if (s == NULL || (n = strlen(s)) < 3 || n > RESTOCK_EMAIL_MAX ||
	    !text_fits(s, RESTOCK_EMAIL_MAX, false) ||
	    strpbrk(s, " \t") != NULL || (at = strchr(s, '@')) == NULL ||
	    at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return false;
	return true;
}

enum restock_result
restock_request(struct db *d, long long pid, long long vid,
    const char *email)
{
	sqlite3_stmt	*st;
	long long	 stock;
	char		 ts[32];
	int		 rc;

	if (!db_in_write(d)) {
		log_error("restock_request: not inside a write transaction");
		return RESTOCK_ERROR;
	}
	if (!email_ok(email))
		return RESTOCK_BAD_EMAIL;
	if ((st = db_prep(d, sql_variant)) == NULL)
		return RESTOCK_ERROR;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_int64(st, 2, pid);
	rc = db_step(d, st);
	stock = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return RESTOCK_NOT_FOUND;
	if (rc != SQLITE_ROW)
		return RESTOCK_ERROR;
	if (stock > 0)
		return RESTOCK_IN_STOCK;

	timestamp(ts, sizeof(ts));
	if ((st = db_prep(d, sql_take)) == NULL)
		return RESTOCK_ERROR;
	sqlite3_bind_int64(st, 1, vid);
	sqlite3_bind_text(st, 2, email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ts, -1, SQLITE_TRANSIENT);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? RESTOCK_OK : RESTOCK_ERROR;
}

/* A request due its mail, as read before any is marked. */
struct due {
	long long	 id;
	long long	 mails;
	char		*email;
	char		*variant;
	char		*product;
	char		*slug;
};

/* Queue the mail of r and mark it (in the write). Returns 0 or -1. */
static int
mail_one(struct db *d, struct arena *a, const struct due *r, const char *ts)
{
	struct tval	*data = tval_map(a);
	sqlite3_stmt	*st;
	int		 rc;

	tval_set_str(a, data, "product", r->product);
	tval_set_str(a, data, "variant", r->variant);
	tval_set_str(a, data, "slug", r->slug);
	if (notify_mail(d, a, &(struct notify_mail){
	    .template = RESTOCK_MAIL,
	    .to = r->email,
	    .data = data,
	    .unique_key = arena_printf(a, "mail:restock:%lld:%lld", r->id,
	        r->mails + 1),
	    .priority = 5,
	}) < 0)
		return -1;
	if ((st = db_prep(d, sql_mark)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, ts, -1, SQLITE_TRANSIENT);
	rc = db_step(d, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE && sqlite3_changes(db_handle(d)) == 1 ?
	    0 : -1;
}

int
restock_notify(struct db *d, long long vid)
{
	struct arena	*a;
	struct due	*due = NULL, *more;
	sqlite3_stmt	*st;
	size_t		 n = 0, cap = 0, i;
	char		 ts[32];
	int		 rc;

	if (!db_in_write(d)) {
		log_error("restock_notify: not inside a write transaction");
		return -1;
	}
	if ((a = arena_new()) == NULL)
		return -1;
	/* Read them all first: marking them changes what the query walks. */
	if ((st = db_prep(d, sql_due)) == NULL) {
		arena_free(a);
		return -1;
	}
	sqlite3_bind_int64(st, 1, vid);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			more = arena_calloc(a, cap, sizeof(*more));
			if (n > 0)
				memcpy(more, due, n * sizeof(*more));
			due = more;
		}
		due[n].id = sqlite3_column_int64(st, 0);
		due[n].email = db_text(a, st, 1);
		due[n].mails = sqlite3_column_int64(st, 2);
		due[n].variant = db_text(a, st, 3);
		due[n].product = db_text(a, st, 4);
		due[n].slug = db_text(a, st, 5);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		arena_free(a);
		return -1;
	}
	timestamp(ts, sizeof(ts));
	for (i = 0; i < n; i++)
		if (mail_one(d, a, &due[i], ts) != 0) {
			log_error("restock_notify: variant %lld: the mail of "
			    "request %lld could not be queued", vid, due[i].id);
			arena_free(a);
			return -1;
		}
	arena_free(a);
	return (int)n;
}

long long
restock_pending(struct db *d, long long vid)
{
	sqlite3_stmt	*st;
	long long	 n;
	int		 rc;

	if ((st = db_prep(d, sql_pending)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, vid);
	rc = db_step(d, st);
	n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	return n;
}
