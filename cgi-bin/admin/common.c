/*
 * What the back office's handlers share (see admin.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/tval.h"
#include "web/http.h"
#include "shop/session.h"
#include "app/page.h"
#include "admin.h"

static const struct {
	const char	*name;
	const char	*label;
	const char	*href;
	bool		 admin_only;
} sections[SECTION__MAX] = {
	{ "dashboard", "Dashboard", "/admin", false },
	{ "orders", "Orders", "/admin/orders", false },
	{ "products", "Products", "/admin/products", false },
	{ "categories", "Categories", "/admin/categories", false },
	{ "customers", "Customers", "/admin/customers", false },
	{ "jobs", "Jobs", "/admin/jobs", false },
	{ "audit", "Audit", "/admin/audit", false },
	{ "staff", "Staff", "/admin/staff", true },
};

int
admin_render(struct req *r, int status, const char *tmpl, struct tval *data,
    const char *title, enum admin_section current)
{
	struct arena		*a = r->arena;
	const struct session	*s = session_of(r);
	struct tval		*adm, *nav, *m;
	const char		*done = req_query(r, "done");
	int			 i;

	r->cache_control = "no-store";
	if (r->want_json)
		return page_render(r, status, tmpl, data);
	tval_set_str(a, data, "title", title);
	adm = tval_set_map(a, data, "admin");
	nav = tval_set_list(a, adm, "nav");
	for (i = 0; i < SECTION__MAX; i++) {
		if (sections[i].admin_only && (s == NULL ||
		    s->role != ROLE_ADMIN))
			continue;
		m = tval_push_map(a, nav);
		tval_set_str(a, m, "label", sections[i].label);
		tval_set_str(a, m, "href", sections[i].href);
		tval_set_bool(a, m, "current", (int)current == i);
	}
	if (s != NULL) {
		tval_set_str(a, adm, "user_email", s->user_email);
		tval_set_str(a, adm, "role", role_names[s->role]);
	}
	if (done != NULL && strlen(done) <= 40)
		tval_set_str(a, adm, "done", done);
	return page_render(r, status, tmpl, data);
}

int
admin_done(struct req *r, const char *location, const char *notice,
    struct tval *data)
{
	r->cache_control = "no-store";
	if (r->want_json) {
		if (data == NULL)
			data = tval_map(r->arena);
		tval_set_bool(r->arena, data, "ok", true);
		page_json(r, 200, data);
		return 0;
	}
	resp_redirect(r, 303, notice != NULL ? arena_printf(r->arena,
	    "%s%sdone=%s", location, strchr(location, '?') ? "&" : "?",
	    notice) : location);
	return 0;
}

struct actor
admin_actor(const struct req *r)
{
	const struct session	*s = session_of(r);
	struct actor		 who = { 0, "unknown" };

	if (s != NULL) {
		who.id = s->user_id;
		who.name = s->user_email;
	}
	return who;
}

/* A decimal id of 1 to 18 digits, or 0. */
static long long
parse_id(const char *v)
{
	char		*end;
	long long	 n;
	size_t		 len;

	if (v == NULL || (len = strlen(v)) == 0 || len > 18 ||
	    strspn(v, "0123456789") != len)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	return errno == 0 && *end == '\0' && n > 0 ? n : 0;
}

long long
admin_param_id(const struct req *r, const char *name)
{
	return parse_id(req_param(r, name));
}

long long
admin_cursor(const struct req *r, const char *name)
{
	const char	*v = req_query(r, name);

	if (v == NULL || *v == '\0')
		return 0;
	return parse_id(v) > 0 ? parse_id(v) : -1;
}
