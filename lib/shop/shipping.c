/*
 * Shipping zones and methods for the back office (shipping.h).
 */
#include <string.h>

#include "core/arena.h"
#include "core/tval.h"
#include "data/db.h"
#include "shop/adminlog.h"
#include "shop/country.h"
#include "shop/shipping.h"

static const char sql_zones[] =
    "SELECT id, name, is_default FROM shipping_zones ORDER BY position, id";
static const char sql_default_zone[] =
    "SELECT id FROM shipping_zones WHERE is_default";
static const char sql_zone_countries[] =
    "SELECT zone_id, country FROM shipping_zone_countries "
    "ORDER BY zone_id, country";
static const char sql_zone_name[] =
    "SELECT id FROM shipping_zones WHERE name = ?1 AND id != ?2";
static const char sql_zone_exists[] =
    "SELECT 1 FROM shipping_zones WHERE id = ?1";
static const char sql_zone_insert[] =
    "INSERT INTO shipping_zones (name, position) VALUES (?1, "
    "(SELECT coalesce(max(position), 0) + 1 FROM shipping_zones))";
static const char sql_zone_rename[] =
    "UPDATE shipping_zones SET name = ?2 WHERE id = ?1";
static const char sql_zone_clear[] =
    "DELETE FROM shipping_zone_countries WHERE zone_id = ?1";
static const char sql_zone_add[] =
    "INSERT INTO shipping_zone_countries (zone_id, country) VALUES (?1, ?2)";
static const char sql_methods_all[] =
    "SELECT id, code, name, price, currency, coalesce(free_over, -1), "
    "coalesce(min_weight_grams, -1), coalesce(max_weight_grams, -1), "
    "active, position FROM shipping_methods ORDER BY position, id";
static const char sql_method_zones[] =
    "SELECT method_id, zone_id FROM shipping_method_zones "
    "ORDER BY method_id, zone_id";
static const char sql_method_code[] =
    "SELECT id FROM shipping_methods WHERE code = ?1 AND id != ?2";
static const char sql_method_insert[] =
    "INSERT INTO shipping_methods (code, name, price, currency, free_over, "
    "min_weight_grams, max_weight_grams, active, position) VALUES (?1, ?2, "
    "?3, ?4, nullif(?5, -1), nullif(?6, -1), nullif(?7, -1), ?8, ?9)";
static const char sql_method_update[] =
    "UPDATE shipping_methods SET code = ?1, name = ?2, price = ?3, "
    "currency = ?4, free_over = nullif(?5, -1), "
    "min_weight_grams = nullif(?6, -1), max_weight_grams = nullif(?7, -1), "
    "active = ?8, position = ?9 WHERE id = ?10";
static const char sql_method_clear[] =
    "DELETE FROM shipping_method_zones WHERE method_id = ?1";
static const char sql_method_add[] =
    "INSERT INTO shipping_method_zones (method_id, zone_id) VALUES (?1, ?2)";

/* Step st (bound) once and reset it: SQLITE_ROW, SQLITE_DONE or -1. */
static int
step_once(struct db *d, sqlite3_stmt *st)
{
	int	rc = db_step(d, st);

	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? rc : -1;
}

struct shipping_zone *
shipping_zones(struct db *d, struct arena *a, size_t *n)
{
	sqlite3_stmt		*st;
	struct shipping_zone	*v;
	long long		 zid;
	size_t			 i;
	int			 rc;

	*n = 0;
	if ((st = db_prep(d, sql_zones)) == NULL)
		return NULL;
	v = arena_calloc(a, SHIPPING_ZONES_MAX, sizeof(*v));
	while ((rc = db_step(d, st)) == SQLITE_ROW && *n < SHIPPING_ZONES_MAX) {
		v[*n].id = sqlite3_column_int64(st, 0);
		v[*n].name = db_text(a, st, 1);
		v[*n].is_default = sqlite3_column_int(st, 2) != 0;
		v[*n].countries = arena_calloc(a, SHIPPING_COUNTRIES_MAX,
		    sizeof(char *));
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_zone_countries)) == NULL) {
		*n = 0;
		return NULL;
	}
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		zid = sqlite3_column_int64(st, 0);
		for (i = 0; i < *n; i++)
			if (v[i].id == zid && v[i].ncountries <
			    SHIPPING_COUNTRIES_MAX)
				v[i].countries[v[i].ncountries++] =
				    db_text(a, st, 1);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return v;
}

struct shipping_method_zones *
shipping_methods_all(struct db *d, struct arena *a, size_t *n)
{
	sqlite3_stmt			*st;
	struct shipping_method_zones	*v = NULL, *grown;
	size_t				 cap = 0, i;
	long long			 mid;
	int				 rc;

	*n = 0;
	if ((st = db_prep(d, sql_methods_all)) == NULL)
		return NULL;
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		struct shipping_method *m;

		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = arena_calloc(a, cap, sizeof(*grown));
			if (*n > 0)
				memcpy(grown, v, *n * sizeof(*grown));
			v = grown;
		}
		m = &v[*n].m;
		m->id = sqlite3_column_int64(st, 0);
		m->code = db_text(a, st, 1);
		m->name = db_text(a, st, 2);
		m->price = sqlite3_column_int64(st, 3);
		m->currency = db_text(a, st, 4);
		m->free_over = sqlite3_column_int64(st, 5);
		m->min_weight = sqlite3_column_int64(st, 6);
		m->max_weight = sqlite3_column_int64(st, 7);
		m->active = sqlite3_column_int(st, 8) != 0;
		m->position = sqlite3_column_int64(st, 9);
		v[*n].zones = arena_calloc(a, SHIPPING_ZONES_MAX,
		    sizeof(long long));
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc < 0 || (st = db_prep(d, sql_method_zones)) == NULL) {
		*n = 0;
		return NULL;
	}
	while ((rc = db_step(d, st)) == SQLITE_ROW) {
		mid = sqlite3_column_int64(st, 0);
		for (i = 0; i < *n; i++)
			if (v[i].m.id == mid && v[i].nzones < SHIPPING_ZONES_MAX)
				v[i].zones[v[i].nzones++] =
				    sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc < 0) {
		*n = 0;
		return NULL;
	}
	return v != NULL ? v : arena_calloc(a, 1, sizeof(*v));
}

/* A zone's fields for the admin log. */
static struct tval *
zone_log(struct arena *a, const struct shipping_zone *z)
{
	struct tval	*m = tval_map(a), *l;
	size_t		 i;

	tval_set_str(a, m, "name", z->name);
	l = tval_set_list(a, m, "countries");
	for (i = 0; i < z->ncountries; i++)
		tval_push(a, l, tval_str(a, z->countries[i]));
	return m;
}

/* The zone id as it is now (in the write), or NULL. */
static struct shipping_zone *
zone_now(struct db *d, struct arena *a, long long id)
{
	struct shipping_zone	*v;
	size_t			 n, i;

	if ((v = shipping_zones(d, a, &n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

/* Bind one integer and one text (either NULL/0 unused) and step once. */
static int
run(struct db *d, const char *sql, long long i1, const char *t2,
    long long i2)
{
	sqlite3_stmt	*st = db_prep(d, sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, i1);
	if (t2 != NULL)
		sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 2, i2);
	return step_once(d, st);
}

/* Whether the text of sql ?1 (with ?2 id) finds a row: 1, 0, -1. */
static int
taken(struct db *d, const char *sql, const char *text, long long id)
{
	sqlite3_stmt	*st = db_prep(d, sql);
	int		 rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = step_once(d, st);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

enum shipping_save
shipping_zone_put(struct db *d, struct arena *a, struct shipping_zone *z,
    const struct actor *who)
{
	struct shipping_zone	*old = NULL, *now;
	sqlite3_stmt		*st;
	size_t			 i, j, len;
	int			 rc;

	len = z->name != NULL ? strlen(z->name) : 0;
	if (len < 1 || len > SHIPPING_ZONE_NAME_MAX ||
	    z->ncountries > SHIPPING_COUNTRIES_MAX)
		return SHIPPING_INVALID;
	for (i = 0; i < z->ncountries; i++) {
		if (!country_known(z->countries[i]))
			return SHIPPING_INVALID;
		for (j = 0; j < i; j++)
			if (strcmp(z->countries[i], z->countries[j]) == 0)
				return SHIPPING_INVALID;
	}
	if (!db_in_write(d))
		return SHIPPING_ERROR;
	if (z->id != 0 && (old = zone_now(d, a, z->id)) == NULL)
		return SHIPPING_NOT_FOUND;
	if ((rc = taken(d, sql_zone_name, z->name, z->id)) != 0)
		return rc > 0 ? SHIPPING_DUPLICATE : SHIPPING_ERROR;
	if (z->id == 0) {
		if ((st = db_prep(d, sql_zone_insert)) == NULL)
			return SHIPPING_ERROR;
		sqlite3_bind_text(st, 1, z->name, -1, SQLITE_STATIC);
		if (step_once(d, st) != SQLITE_DONE)
			return SHIPPING_ERROR;
		z->id = sqlite3_last_insert_rowid(db_handle(d));
	} else if (run(d, sql_zone_rename, z->id, z->name, 0) != SQLITE_DONE)
		return SHIPPING_ERROR;
	if (run(d, sql_zone_clear, z->id, NULL, 0) != SQLITE_DONE)
		return SHIPPING_ERROR;
	for (i = 0; i < z->ncountries; i++)
		if (run(d, sql_zone_add, z->id, z->countries[i], 0) !=
		    SQLITE_DONE)
			return SHIPPING_ERROR;
	if ((now = zone_now(d, a, z->id)) == NULL)
		return SHIPPING_ERROR;
	if (who != NULL && adminlog_write(d, who, old != NULL ? "zone.update" :
	    "zone.create", "shipping_zone", z->id, now->name, old != NULL ?
	    zone_log(a, old) : NULL, zone_log(a, now)) < 0)
		return SHIPPING_ERROR;
	return SHIPPING_SAVED;
}

enum shipping_save
shipping_zone_save(struct db *d, struct arena *a, struct shipping_zone *z,
    const struct actor *who)
{
	enum shipping_save	rc;
	long long		id = z->id;

	if (db_begin(d) != 0)
		return SHIPPING_ERROR;
	if ((rc = shipping_zone_put(d, a, z, who)) != SHIPPING_SAVED ||
	    db_commit(d) != 0) {
		db_rollback(d);
		z->id = id;
		return rc != SHIPPING_SAVED ? rc : SHIPPING_ERROR;
	}
	return SHIPPING_SAVED;
}

/* A method's fields for the admin log. */
static struct tval *
method_log(struct arena *a, const struct shipping_method_zones *mz)
{
	struct tval	*m = tval_map(a), *l;
	size_t		 i;

	tval_set_str(a, m, "code", mz->m.code);
	tval_set_str(a, m, "name", mz->m.name);
	tval_set_int(a, m, "price", mz->m.price);
	tval_set_str(a, m, "currency", mz->m.currency);
	tval_set_int(a, m, "free_over", mz->m.free_over);
	tval_set_int(a, m, "min_weight_grams", mz->m.min_weight);
	tval_set_int(a, m, "max_weight_grams", mz->m.max_weight);
	tval_set_bool(a, m, "active", mz->m.active);
	tval_set_int(a, m, "position", mz->m.position);
	l = tval_set_list(a, m, "zones");
	for (i = 0; i < mz->nzones; i++)
		tval_push(a, l, tval_int(a, mz->zones[i]));
	return m;
}

/* The method id as it is now (in the write), or NULL. */
static struct shipping_method_zones *
method_now(struct db *d, struct arena *a, long long id)
{
	struct shipping_method_zones	*v;
	size_t				 n, i;

	if ((v = shipping_methods_all(d, a, &n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (v[i].m.id == id)
			return &v[i];
	return NULL;
}

enum shipping_save
shipping_method_put(struct db *d, struct arena *a,
    struct shipping_method_zones *mz, const struct actor *who)
{
	struct shipping_method		*m = &mz->m;
	struct shipping_method_zones	*old = NULL, *now;
	sqlite3_stmt			*st;
	size_t				 i, len;
	int				 rc;

	len = m->code != NULL ? strlen(m->code) : 0;
	if (len < 1 || len > 40 || m->name == NULL || strlen(m->name) < 1 ||
	    strlen(m->name) > 120 || m->price < 0 || m->currency == NULL ||
	    strlen(m->currency) != 3 || m->free_over < -1 ||
	    m->min_weight < -1 || m->max_weight < -1 ||
	    (m->min_weight >= 0 && m->max_weight >= 0 &&
	    m->min_weight > m->max_weight) || mz->nzones > SHIPPING_ZONES_MAX)
		return SHIPPING_INVALID;
	if (!db_in_write(d))
		return SHIPPING_ERROR;
	if (m->id != 0 && (old = method_now(d, a, m->id)) == NULL)
		return SHIPPING_NOT_FOUND;
	if ((rc = taken(d, sql_method_code, m->code, m->id)) != 0)
		return rc > 0 ? SHIPPING_DUPLICATE : SHIPPING_ERROR;
	for (i = 0; i < mz->nzones; i++) {
		if ((st = db_prep(d, sql_zone_exists)) == NULL)
			return SHIPPING_ERROR;
		sqlite3_bind_int64(st, 1, mz->zones[i]);
		if ((rc = step_once(d, st)) < 0)
			return SHIPPING_ERROR;
		if (rc != SQLITE_ROW)
			return SHIPPING_INVALID;
	}
	if ((st = db_prep(d, m->id != 0 ? sql_method_update :
	    sql_method_insert)) == NULL)
		return SHIPPING_ERROR;
	sqlite3_bind_text(st, 1, m->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, m->price);
	sqlite3_bind_text(st, 4, m->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, m->free_over);
	sqlite3_bind_int64(st, 6, m->min_weight);
	sqlite3_bind_int64(st, 7, m->max_weight);
	sqlite3_bind_int(st, 8, m->active);
	sqlite3_bind_int64(st, 9, m->position);
	if (m->id != 0)
		sqlite3_bind_int64(st, 10, m->id);
	if (step_once(d, st) != SQLITE_DONE)
		return SHIPPING_ERROR;
	if (m->id == 0)
		m->id = sqlite3_last_insert_rowid(db_handle(d));
	/* Exactly the zones given (the migration's trigger adds the default). */
	if (run(d, sql_method_clear, m->id, NULL, 0) != SQLITE_DONE)
		return SHIPPING_ERROR;
	for (i = 0; i < mz->nzones; i++)
		if (run(d, sql_method_add, m->id, NULL, mz->zones[i]) !=
		    SQLITE_DONE)
			return SHIPPING_ERROR;
	if ((now = method_now(d, a, m->id)) == NULL)
		return SHIPPING_ERROR;
	if (who != NULL && adminlog_write(d, who, old != NULL ?
	    "shipping_method.update" : "shipping_method.create",
	    "shipping_method", m->id, now->m.name, old != NULL ?
	    method_log(a, old) : NULL, method_log(a, now)) < 0)
		return SHIPPING_ERROR;
	return SHIPPING_SAVED;
}

enum shipping_save
shipping_method_save(struct db *d, struct arena *a,
    struct shipping_method_zones *mz, const struct actor *who)
{
	enum shipping_save	rc;
	long long		id = mz->m.id;

	if (db_begin(d) != 0)
		return SHIPPING_ERROR;
	if ((rc = shipping_method_put(d, a, mz, who)) != SHIPPING_SAVED ||
	    db_commit(d) != 0) {
		db_rollback(d);
		mz->m.id = id;
		return rc != SHIPPING_SAVED ? rc : SHIPPING_ERROR;
	}
	return SHIPPING_SAVED;
}

long long
shipping_default_zone(struct db *d)
{
	sqlite3_stmt	*st = db_prep(d, sql_default_zone);
	long long	 id = 0;
	int		 rc;

	if (st == NULL)
		return -1;
	if ((rc = db_step(d, st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}
