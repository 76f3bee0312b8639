/*
 * Shipping zones and methods (lib/shop/shipping.h):
 *
 *   GET  /admin/shipping                 every zone with its countries and
 *                                        every method with its zones, each
 *                                        with its form, and the new ones'
 *   POST /admin/shipping/zones           create a zone: name, countries
 *   POST /admin/shipping/zones/{id}      change one
 *   POST /admin/shipping/methods         create a method: code, name,
 *                                        price, free_over, min_weight,
 *                                        max_weight, position, active,
 *                                        zones
 *   POST /admin/shipping/methods/{id}    change one
 *
 * countries (ISO codes of the shop's list) and zones (ids) are repeated
 * fields, one value each. Amounts are in the shop's currency; weights in
 * grams, empty for no bound. Each change and its admin log row are one
 * write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/country.h"
#include "shop/shipping.h"
#include "admin.h"

#define WEIGHT_MAX	100000000LL	/* grams: 100 tonnes */

static const struct form_field zone_fields[] = {
	{ "name", "Name", FORM_TEXT, FORM_REQUIRED, 1, SHIPPING_ZONE_NAME_MAX,
	  "off", NULL, NULL },
};

static const struct form_field method_fields[] = {
	{ "code", "Code", FORM_TEXT, FORM_REQUIRED, 1, 40, "off",
	  "Letters, digits, - and _: how orders name it.", NULL },
	{ "name", "Name", FORM_TEXT, FORM_REQUIRED, 1, 120, "off",
	  "What customers see: \"Standard (3-5 days)\".", NULL },
	{ "price", "Price", FORM_TEXT, FORM_REQUIRED, 1, 20, "off", NULL, NULL },
	{ "free_over", "Free from", FORM_TEXT, 0, 0, 20, "off",
	  "Free when the subtotal reaches this; empty: never free.", NULL },
	{ "min_weight", "From weight (g)", FORM_TEXT, 0, 0, 10, "off",
	  "Grams of the whole order, included; empty: no lower bound.", NULL },
	{ "max_weight", "Up to weight (g)", FORM_TEXT, 0, 0, 10, "off",
	  "Included; empty: no upper bound.", NULL },
	{ "position", "Position", FORM_INT, 0, 0, 1000000, "off",
	  "Methods are listed lowest first.", NULL },
	{ "active", "Offered", FORM_CHECKBOX, 0, 0, 0, NULL, NULL, NULL },
};

/* Whether code is letters, digits, '-' and '_'. */
static bool
code_ok(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

/* Grams: empty is -1, else 0 to WEIGHT_MAX; false if neither. */
static bool
grams_read(const char *s, long long *out)
{
	char	*end;
	size_t	 n = strlen(s);

	*out = -1;
	if (n == 0)
		return true;
	if (n > 9 || strspn(s, "0123456789") != n)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= WEIGHT_MAX;
}

/* The zone ids a method form checks: each "zones" value of the post. */
static bool
zones_read(struct req *r, long long **out, size_t *n)
{
	size_t		 i;
	char		*end;
	long long	 id;

	*out = arena_calloc(r->arena, SHIPPING_ZONES_MAX, sizeof(**out));
	*n = 0;
	for (i = 0; i < r->form.n; i++) {
		if (strcmp(r->form.v[i].key, "zones") != 0)
			continue;
		errno = 0;
		id = strtoll(r->form.v[i].val, &end, 10);
		if (errno != 0 || *end != '\0' || id <= 0 ||
		    *n == SHIPPING_ZONES_MAX)
			return false;
		(*out)[(*n)++] = id;
	}
	return true;
}

/* The countries a zone form checks: each "countries" value. */
static bool
countries_read(struct req *r, char ***out, size_t *n)
{
	size_t	i;

	*out = arena_calloc(r->arena, SHIPPING_COUNTRIES_MAX, sizeof(**out));
	*n = 0;
	for (i = 0; i < r->form.n; i++) {
		if (strcmp(r->form.v[i].key, "countries") != 0)
			continue;
		if (!country_known(r->form.v[i].val) ||
		    *n == SHIPPING_COUNTRIES_MAX)
			return false;
		(*out)[(*n)++] = (char *)r->form.v[i].val;
	}
	return true;
}

/* The shop's countries, those of z (may be NULL) checked. */
static struct tval *
country_boxes(struct arena *a, const struct shipping_zone *z)
{
	const struct country	*c;
	struct tval		*l = tval_list(a), *m;
	size_t			 n, i, j;
	bool			 on;

	c = country_list(&n);
	for (i = 0; i < n; i++) {
		on = false;
		for (j = 0; z != NULL && j < z->ncountries; j++)
			on = on || strcmp(z->countries[j], c[i].code) == 0;
		m = tval_push_map(a, l);
		tval_set_str(a, m, "code", c[i].code);
		tval_set_str(a, m, "name", c[i].name);
		tval_set_bool(a, m, "checked", on);
	}
	return l;
}

/* The zones, those of mz (may be NULL) checked. */
static struct tval *
zone_boxes(struct arena *a, const struct shipping_zone *zones, size_t nz,
    const struct shipping_method_zones *mz)
{
	struct tval	*l = tval_list(a), *m;
	size_t		 i, j;
	bool		 on;

	for (i = 0; i < nz; i++) {
		on = false;
		for (j = 0; mz != NULL && j < mz->nzones; j++)
			on = on || mz->zones[j] == zones[i].id;
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", zones[i].id);
		tval_set_str(a, m, "name", zones[i].name);
		tval_set_bool(a, m, "checked", on);
	}
	return l;
}

static char *
grams_plain(struct arena *a, long long g)
{
	return g < 0 ? arena_strdup(a, "") : arena_printf(a, "%lld", g);
}

/* A method's form filled from its row. */
static void
method_form(struct arena *a, struct form *f, const struct shipping_method *m)
{
	form_init(f, a, method_fields, nitems(method_fields));
	if (m == NULL) {
		form_set(f, "active", "on");
		return;
	}
	form_prefix(f, arena_printf(a, "method-%lld-", m->id));
	form_set(f, "code", m->code);
	form_set(f, "name", m->name);
	form_set(f, "price", admin_price_plain(a, m->price, m->currency));
	form_set(f, "free_over", m->free_over >= 0 ? admin_price_plain(a,
	    m->free_over, m->currency) : "");
	form_set(f, "min_weight", grams_plain(a, m->min_weight));
	form_set(f, "max_weight", grams_plain(a, m->max_weight));
	form_set(f, "position", arena_printf(a, "%lld", m->position));
	form_set(f, "active", m->active ? "on" : "");
}

/*
 * The page; a failed form (f) is shown in place of the one of zone or
 * method failed_id (0: the new one), as kind says ("zone", "method").
 */
static int
shipping_page(struct req *r, int status, const char *kind, long long failed_id,
    struct form *f)
{
	struct arena			*a = r->arena;
	struct db			*d = req_db(r, DB_PRIMARY);
	struct tval			*data = tval_map(a), *l, *m, *cl;
	struct shipping_zone		*zones;
	struct shipping_method_zones	*methods;
	struct form			 mf, zf;
	size_t				 nz, nm, i, j;
	bool				 zone_failed, method_failed;

	zone_failed = f != NULL && strcmp(kind, "zone") == 0;
	method_failed = f != NULL && strcmp(kind, "method") == 0;
	if ((zones = shipping_zones(d, a, &nz)) == NULL ||
	    (methods = shipping_methods_all(d, a, &nm)) == NULL)
		return 503;
	l = tval_set_list(a, data, "zones");
	for (i = 0; i < nz; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", zones[i].id);
		tval_set_str(a, m, "name", zones[i].name);
		tval_set_bool(a, m, "is_default", zones[i].is_default);
		cl = tval_set_list(a, m, "countries");
		for (j = 0; j < zones[i].ncountries; j++)
			tval_push(a, cl, tval_str(a, zones[i].countries[j]));
		if (r->want_json)
			continue;
		tval_set(a, m, "boxes", country_boxes(a, &zones[i]));
		if (zone_failed && failed_id == zones[i].id)
			tval_set(a, m, "form", form_tval(a, f));
		else {
			form_init(&zf, a, zone_fields, nitems(zone_fields));
			form_prefix(&zf, arena_printf(a, "zone-%lld-",
			    zones[i].id));
			form_set(&zf, "name", zones[i].name);
			tval_set(a, m, "form", form_tval(a, &zf));
		}
	}
	l = tval_set_list(a, data, "methods");
	for (i = 0; i < nm; i++) {
		const struct shipping_method *sm = &methods[i].m;

		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", sm->id);
		tval_set_str(a, m, "code", sm->code);
		tval_set_str(a, m, "name", sm->name);
		tval_set_int(a, m, "price", sm->price);
		tval_set_str(a, m, "price_formatted", money_format(a,
		    sm->price, sm->currency));
		tval_set_int(a, m, "free_over", sm->free_over);
		tval_set_int(a, m, "min_weight_grams", sm->min_weight);
		tval_set_int(a, m, "max_weight_grams", sm->max_weight);
		tval_set_bool(a, m, "active", sm->active);
		cl = tval_set_list(a, m, "zones");
		for (j = 0; j < methods[i].nzones; j++)
			tval_push(a, cl, tval_int(a, methods[i].zones[j]));
		if (r->want_json)
			continue;
		tval_set(a, m, "boxes", zone_boxes(a, zones, nz, &methods[i]));
		if (method_failed && failed_id == sm->id)
			tval_set(a, m, "form", form_tval(a, f));
		else {
			method_form(a, &mf, sm);
			tval_set(a, m, "form", form_tval(a, &mf));
		}
	}
	if (!r->want_json) {
		if (zone_failed && failed_id == 0)
			tval_set(a, data, "zone_form", form_tval(a, f));
		else {
			form_init(&zf, a, zone_fields, nitems(zone_fields));
			form_prefix(&zf, "zone-new-");
			tval_set(a, data, "zone_form", form_tval(a, &zf));
		}
		tval_set(a, data, "zone_boxes", country_boxes(a, NULL));
		if (method_failed && failed_id == 0)
			tval_set(a, data, "method_form", form_tval(a, f));
		else {
			method_form(a, &mf, NULL);
			form_prefix(&mf, "method-new-");
			/* Listed after the others unless said otherwise. */
			form_set(&mf, "position", arena_printf(a, "%lld",
			    nm > 0 ? methods[nm - 1].m.position + 1 : 1));
			tval_set(a, data, "method_form", form_tval(a, &mf));
		}
		tval_set(a, data, "method_boxes", zone_boxes(a, zones, nz,
		    NULL));
	}
	if (f != NULL)
		return admin_form_fail(r, status, "admin/shipping", data,
		    "Shipping", SECTION_SHIPPING, f);
	return admin_render(r, status, "admin/shipping", data, "Shipping",
	    SECTION_SHIPPING);
}

int
h_shipping(struct req *r)
{
	return shipping_page(r, 200, "", 0, NULL);
}

/* Save the zone form as zone id (0: new). */
static int
zone_save(struct req *r, long long id)
{
	struct arena		*a = r->arena;
	struct actor		 who = admin_actor(r);
	struct shipping_zone	 z;
	struct form		 f;
	struct tval		*data;
	enum shipping_save	 rc;

	form_init(&f, a, zone_fields, nitems(zone_fields));
	form_prefix(&f, id ? arena_printf(a, "zone-%lld-", id) : "zone-new-");
	memset(&z, 0, sizeof(z));
	if (!form_read(&f, a, &r->form))
		return shipping_page(r, 422, "zone", id, &f);
	if (!countries_read(r, &z.countries, &z.ncountries)) {
		form_error(&f, "name", "Choose countries from the list only.");
		return shipping_page(r, 422, "zone", id, &f);
	}
	z.id = id;
	z.name = (char *)form_str(&f, "name");
	switch ((rc = shipping_zone_save(req_db(r, DB_PRIMARY), a, &z,
	    &who))) {
	case SHIPPING_SAVED:
		break;
	case SHIPPING_NOT_FOUND:
		return 404;
	case SHIPPING_DUPLICATE:
	case SHIPPING_INVALID:
		form_error(&f, "name", rc == SHIPPING_DUPLICATE ? "Another zone "
		    "has this name." : "Choose countries from the list, each "
		    "once.");
		return shipping_page(r, 422, "zone", id, &f);
	default:
		return 503;
	}
	data = tval_map(a);
	tval_set_int(a, data, "id", z.id);
	tval_set_str(a, data, "name", z.name);
	return admin_done(r, "/admin/shipping", id ? "saved" : "created", data);
}

int
h_zone_create(struct req *r)
{
	return zone_save(r, 0);
}

int
h_zone_update(struct req *r)
{
	long long	id = admin_param_id(r, "id");

	return id == 0 ? 404 : zone_save(r, id);
}

/* Save the method form as method id (0: new). */
static int
method_save(struct req *r, long long id)
{
	struct arena			*a = r->arena;
	struct actor			 who = admin_actor(r);
	struct shipping_method_zones	 mz;
	struct shipping_method		*m = &mz.m;
	struct form			 f;
	struct tval			*data;
	const char			*cur = r->shop->cfg->currency;
	enum shipping_save		 rc;
	int				 e = money_exponent(cur);

	form_init(&f, a, method_fields, nitems(method_fields));
	form_prefix(&f, id ? arena_printf(a, "method-%lld-", id) :
	    "method-new-");
	memset(&mz, 0, sizeof(mz));
	if (!form_read(&f, a, &r->form))
		return shipping_page(r, 422, "method", id, &f);
	m->id = id;
	m->code = (char *)form_str(&f, "code");
	m->name = (char *)form_str(&f, "name");
	m->currency = (char *)cur;
	m->active = form_bool(&f, "active");
	m->position = form_int(&f, "position");
	m->free_over = -1;
	if (!code_ok(m->code))
		form_error(&f, "code", "Use letters, digits, - and _ only.");
	if (e < 0 || money_parse(form_str(&f, "price"), e, &m->price) != 0)
		form_error(&f, "price", "Give an amount, such as 4.95.");
	if (*form_str(&f, "free_over") != '\0' && (e < 0 ||
	    money_parse(form_str(&f, "free_over"), e, &m->free_over) != 0))
		form_error(&f, "free_over", "Give an amount, such as 50.00, or "
		    "leave it empty.");
	if (!grams_read(form_str(&f, "min_weight"), &m->min_weight))
		form_error(&f, "min_weight", "Give whole grams, or leave it "
		    "empty.");
	if (!grams_read(form_str(&f, "max_weight"), &m->max_weight))
		form_error(&f, "max_weight", "Give whole grams, or leave it "
		    "empty.");
	else if (m->min_weight >= 0 && m->max_weight >= 0 &&
	    m->max_weight < m->min_weight)
		form_error(&f, "max_weight", "The upper bound must not be below "
		    "the lower one.");
	if (!zones_read(r, &mz.zones, &mz.nzones))
		form_error(&f, "code", "Choose zones from the list only.");
	if (f.nerrors > 0)
		return shipping_page(r, 422, "method", id, &f);
	switch ((rc = shipping_method_save(req_db(r, DB_PRIMARY), a, &mz,
	    &who))) {
	case SHIPPING_SAVED:
		break;
	case SHIPPING_NOT_FOUND:
		return 404;
	case SHIPPING_DUPLICATE:
	case SHIPPING_INVALID:
		form_error(&f, "code", rc == SHIPPING_DUPLICATE ? "Another "
		    "method has this code." : "Choose zones from the list "
		    "only.");
		return shipping_page(r, 422, "method", id, &f);
	default:
		return 503;
	}
	data = tval_map(a);
	tval_set_int(a, data, "id", m->id);
	tval_set_str(a, data, "code", m->code);
	return admin_done(r, "/admin/shipping", id ? "saved" : "created", data);
}

int
h_method_create(struct req *r)
{
	return method_save(r, 0);
}

int
h_method_update(struct req *r)
{
	long long	id = admin_param_id(r, "id");

	return id == 0 ? 404 : method_save(r, id);
}
