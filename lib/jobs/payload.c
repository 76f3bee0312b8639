/*
 * Job payloads, read with SQLite's JSON functions on the queue.db
 * connection (see payload.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/tval.h"
#include "data/db.h"
#include "side/queue.h"
#include "jobs/payload.h"

#define JOB_MAX_NODES	10000	/* JSON values in one template context */

const char *const job_result_names[JOB_RESULT__MAX] = {
	"ok",
	"retry",
	"fail",
};

static const char sql_str[] =
    "SELECT CASE WHEN json_type(?1, ?2) = 'text' "
    "THEN json_extract(?1, ?2) END";
static const char sql_int[] =
    "SELECT CASE WHEN json_type(?1, ?2) = 'integer' "
    "THEN json_extract(?1, ?2) END";
static const char sql_opt[] =
    "SELECT json_type(?1, ?2), json_extract(?1, ?2)";
static const char sql_tree[] =
    "SELECT id, parent, type, key, atom FROM json_tree(?1, ?2) ORDER BY id";

/* The queue.db connection evaluates JSON for every payload question. */
static struct db *
json_db(struct job_ctx *c)
{
	return c->db[DB_QUEUE];
}

const char *
job_str(struct job_ctx *c, const char *path)
{
	struct db	*d = json_db(c);
	sqlite3_stmt	*st = db_prep(d, sql_str);
	const char	*v = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, c->job->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = db_text(c->arena, st, 0);
	sqlite3_reset(st);
	return v;
}

bool
job_int(struct job_ctx *c, const char *path, long long *v)
{
	struct db	*d = json_db(c);
	sqlite3_stmt	*st = db_prep(d, sql_int);
	bool		 ok = false;

	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, c->job->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*v = sqlite3_column_int64(st, 0);
		ok = true;
	}
	sqlite3_reset(st);
	return ok;
}

int
job_opt_int(struct job_ctx *c, const char *path, long long def,
    long long min, long long max, long long *v)
{
	struct db	*d = json_db(c);
	sqlite3_stmt	*st = db_prep(d, sql_opt);
	const char	*type;
	int		 rc = -1;

	*v = def;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, c->job->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (db_step(d, st) == SQLITE_ROW) {
		type = (const char *)sqlite3_column_text(st, 0);
		if (type == NULL)
			rc = 0;
		else if (strcmp(type, "integer") == 0) {
			*v = sqlite3_column_int64(st, 1);
			rc = *v >= min && *v <= max ? 0 : -1;
		}
	}
	sqlite3_reset(st);
	if (rc != 0) {
		*v = def;
		snprintf(c->err, sizeof(c->err), "payload: %s must be a whole "
		    "number from %lld to %lld", path + 2, min, max);
	}
	return rc;
}

struct node {
	long long	 id;
	struct tval	*v;
};

/* The node with id among the n sorted ones, by binary search. */
static struct tval *
node_find(const struct node *nodes, size_t n, long long id)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (nodes[mid].id == id)
			return nodes[mid].v;
		if (nodes[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* One json_tree() row as a template value. */
static struct tval *
node_value(struct arena *a, sqlite3_stmt *st)
{
	const char	*type = (const char *)sqlite3_column_text(st, 2);

	if (type == NULL || strcmp(type, "null") == 0)
		return tval_null(a);
	if (strcmp(type, "object") == 0)
		return tval_map(a);
	if (strcmp(type, "array") == 0)
		return tval_list(a);
	if (strcmp(type, "true") == 0)
		return tval_bool(a, true);
	if (strcmp(type, "false") == 0)
		return tval_bool(a, false);
	if (strcmp(type, "integer") == 0)
		return tval_int(a, sqlite3_column_int64(st, 4));
	return tval_strn(a, (const char *)sqlite3_column_text(st, 4),
	    (size_t)sqlite3_column_bytes(st, 4));
}

struct tval *
job_json_tval(struct db *d, struct arena *a, const char *json,
    const char *path)
{
	sqlite3_stmt	*st;
	struct node	*nodes;
	struct tval	*root = NULL, *v, *parent;
	size_t		 n = 0;
	int		 rc;

	if ((st = db_prep(d, sql_tree)) == NULL)
		return NULL;
	nodes = arena_calloc(a, JOB_MAX_NODES, sizeof(*nodes));
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == JOB_MAX_NODES) {
			log_error("job: JSON with more than %d values",
			    JOB_MAX_NODES);
			sqlite3_reset(st);
			return NULL;
		}
		v = node_value(a, st);
		nodes[n].id = sqlite3_column_int64(st, 0);
		nodes[n].v = v;
		if (n > 0 && nodes[n].id <= nodes[n - 1].id) {
			sqlite3_reset(st);
			return NULL;
		}
		n++;
		if (root == NULL) {
			root = v;
			continue;
		}
		parent = sqlite3_column_type(st, 1) == SQLITE_NULL ? NULL :
		    node_find(nodes, n - 1, sqlite3_column_int64(st, 1));
		if (parent == NULL)
			continue;
		if (parent->type == TVAL_MAP &&
		    sqlite3_column_type(st, 3) == SQLITE_TEXT)
			tval_set(a, parent, (const char *)
			    sqlite3_column_text(st, 3), v);
		else if (parent->type == TVAL_LIST)
			tval_push(a, parent, v);
	}
	sqlite3_reset(st);
	/* Malformed JSON is an error from json_tree, not a row. */
	return rc == SQLITE_DONE ? root : NULL;
}

struct tval *
job_tval(struct job_ctx *c, const char *path)
{
	return job_json_tval(json_db(c), c->arena, c->job->payload, path);
}
