/*
 * cable.db access (cable.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "data/db.h"
#include "side/cable.h"
#include "side/queue.h"

const char *const cable_channel_names[CABLE_CHANNEL__MAX] = {
	"product",
	"order",
	"admin",
};

static const char sql_publish[] =
    "INSERT INTO messages (channel, event, data, outbox_id, created_at) "
    "SELECT ?1, ?2, ?3, ?4, ?5 WHERE json_valid(?3) "
    "AND json_type(?3) = 'object' ON CONFLICT DO NOTHING";
static const char sql_valid[] =
    "SELECT json_valid(?1) AND json_type(?1) = 'object'";
static const char sql_read[] =
    "SELECT id, event, data FROM messages WHERE channel = ?1 AND id > ?2 "
    "ORDER BY id LIMIT ?3";
static const char sql_last[] =
    "SELECT coalesce((SELECT seq FROM sqlite_sequence "
    "WHERE name = 'messages'), 0)";
static const char sql_version[] =
    "PRAGMA data_version";
static const char sql_trim[] =
    "DELETE FROM messages WHERE id IN (SELECT id FROM messages "
    "WHERE created_at < ?1 LIMIT 1000)";

/* A decimal id of 1 to 18 digits, no sign or leading zero. */
static bool
parse_id(const char *s, long long *id)
{
	long long	v = 0;
	size_t		n = 0;

	if (*s == '0')
		return false;
	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		if (n == 18)
			return false;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0 || s[n] != '\0')
		return false;
	*id = v;
	return true;
}

enum cable_channel
cable_channel_parse(const char *s, long long *id)
{
	*id = 0;
	if (s == NULL)
		return CABLE_CHANNEL__MAX;
	if (strcmp(s, "admin") == 0)
		return CABLE_ADMIN;
	if (strncmp(s, "product:", 8) == 0 && parse_id(s + 8, id))
		return CABLE_PRODUCT;
	if (strncmp(s, "order:", 6) == 0 && parse_id(s + 6, id))
		return CABLE_ORDER;
	return CABLE_CHANNEL__MAX;
}

bool
cable_event_ok(const char *s)
{
	size_t	n;

	if (s == NULL || (n = strlen(s)) == 0 || n > CABLE_MAX_EVENT)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
		    *s == '-'))
			return false;
	return true;
}

long long
cable_publish(struct db *d, const char *channel, const char *event,
    const char *data, long long outbox_id)
{
	sqlite3_stmt	*st;
	long long	 id, dummy;
	bool		 own = !db_in_write(d);

	if (event == NULL)
		event = CABLE_DEFAULT_EVENT;
	if (cable_channel_parse(channel, &dummy) == CABLE_CHANNEL__MAX ||
	    !cable_event_ok(event) || data == NULL ||
	    strlen(data) > CABLE_MAX_DATA) {
		log_error("cable_publish: bad channel, event or data (%.60s)",
		    channel ? channel : "(null)");
		return -1;
	}
	if ((st = db_prep(d, sql_valid)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, data, -1, SQLITE_STATIC);
	if (db_step(d, st) != SQLITE_ROW)
		return -1;
	if (sqlite3_column_int(st, 0) != 1) {
		sqlite3_reset(st);
		log_error("cable_publish: %s: data is not a JSON object",
		    channel);
		return -1;
	}
	sqlite3_reset(st);
	if (own && db_begin(d) != 0)
		return -1;
	if ((st = db_prep(d, sql_publish)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, data, -1, SQLITE_STATIC);
	if (outbox_id > 0)
		sqlite3_bind_int64(st, 4, outbox_id);
	sqlite3_bind_int64(st, 5, queue_now());
	if (db_step(d, st) != SQLITE_DONE)
		goto fail;
	id = sqlite3_changes(db_handle(d)) > 0 ?
	    sqlite3_last_insert_rowid(db_handle(d)) : 0;
	if (own && db_commit(d) != 0)
		return -1;
	return id;
fail:
	if (own)
		db_rollback(d);
	return -1;
}

int
cable_read(struct db *d, const char *channel, long long after, int limit,
    int (*fn)(const struct cable_msg *, void *), void *arg)
{
	sqlite3_stmt		*st = db_prep(d, sql_read);
	struct cable_msg	 m;
	int			 rc, n = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	sqlite3_bind_int(st, 3, limit);
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		m.id = sqlite3_column_int64(st, 0);
		m.event = (const char *)sqlite3_column_text(st, 1);
		m.data = (const char *)sqlite3_column_text(st, 2);
		m.data_len = (size_t)sqlite3_column_bytes(st, 2);
		if (m.event == NULL || m.data == NULL)
			continue;
		n++;
		if (fn(&m, arg) != 0)
			break;
	}
	sqlite3_reset(st);
	return rc < 0 ? -1 : n;
}

long long
cable_last_id(struct db *d)
{
	sqlite3_stmt	*st = db_prep(d, sql_last);
	long long	 id = -1;

	if (st != NULL && db_step(d, st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
	return id;
}

int
cable_changed(struct db *d, long long *version)
{
	sqlite3_stmt	*st = db_prep(d, sql_version);
	long long	 v;

	if (st == NULL || db_step(d, st) != SQLITE_ROW)
		return -1;
	v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (*version == v)
		return 0;
	*version = v;
	return 1;
}

long
cable_trim(struct db *d, long long older_than)
{
	sqlite3_stmt	*st;
	long		 n = 0, m;

	do {
		if (db_begin(d) != 0)
			return -1;
		if ((st = db_prep(d, sql_trim)) == NULL) {
			db_rollback(d);
			return -1;
		}
		sqlite3_bind_int64(st, 1, older_than);
		if (db_step(d, st) != SQLITE_DONE) {
			db_rollback(d);
			return -1;
		}
		m = sqlite3_changes(db_handle(d));
		if (db_commit(d) != 0)
			return -1;
		n += m;
	} while (m == 1000);
	return n;
}
