/*
 * Staff accounts, for administrators only: GET /admin/staff lists the
 * accounts with a back-office role; POST /admin/staff (email, role:
 * staff, admin or customer) gives an existing account a role, recorded
 * in the admin log in the same write. The shop always keeps one
 * administrator, and nobody changes their own role (another
 * administrator does).
 */
#include <string.h>

#include "core/arena.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/customer.h"
#include "shop/session.h"
#include "shop/user.h"
#include "admin.h"

static const char *const role_choices[] = {
	"staff", "Staff",
	"admin", "Administrator",
	"customer", "Customer (no back office)",
	NULL,
};

static const struct form_field role_fields[] = {
	{ "email", "Email of the account", FORM_EMAIL, FORM_REQUIRED, 3, 254,
	  "off", "The account must exist: the person signs up first.", NULL },
	{ "role", "Role", FORM_CHOICE, FORM_REQUIRED, 0, 0, NULL,
	  "Staff run orders, stock and customers; administrators "
	  "everything, staff accounts too.", NULL },
};

/* The page: the staff, and the role form (f, with its errors). */
static int
staff_page(struct req *r, int status, struct form *f)
{
	struct arena	*a = r->arena;
	struct tval	*data = tval_map(a), *l, *m;
	struct customer	*v;
	struct form	 blank;
	size_t		 n, i;

	if ((v = staff_list(req_db(r, DB_PRIMARY), a, &n)) == NULL)
		return 503;
	l = tval_set_list(a, data, "staff");
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, l);
		tval_set_int(a, m, "id", v[i].id);
		tval_set_str(a, m, "email", v[i].email);
		tval_set_str(a, m, "name", v[i].name);
		tval_set_str(a, m, "role", role_names[v[i].role]);
	}
	if (f != NULL)
		return admin_form_fail(r, status, "admin/staff", data, "Staff",
		    SECTION_STAFF, f);
	form_init(&blank, a, role_fields, nitems(role_fields));
	form_choices(&blank, "role", role_choices);
	form_set(&blank, "role", "staff");
	tval_set(a, data, "form", form_tval(a, &blank));
	return admin_render(r, status, "admin/staff", data, "Staff",
	    SECTION_STAFF);
}

int
h_staff(struct req *r)
{
	return staff_page(r, 200, NULL);
}

/* {"role": name} for the admin log. */
static struct tval *
role_tval(struct arena *a, enum role role)
{
	struct tval	*m = tval_map(a);

	tval_set_str(a, m, "role", role_names[role]);
	return m;
}

int
h_staff_set(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct form		 f;
	struct user		*u;
	struct tval		*data;
	enum role		 role;
	long long		 admins;

	form_init(&f, a, role_fields, nitems(role_fields));
	form_choices(&f, "role", role_choices);
	if (!form_read(&f, a, &r->form))
		return staff_page(r, 422, &f);
	role = role_from_name(form_str(&f, "role"));
	if ((u = user_by_email(d, a, form_str(&f, "email"))) == NULL) {
		form_error(&f, "email", "No account uses this email. The "
		    "person signs up at the shop first.");
		return staff_page(r, 422, &f);
	}
	if (u->id == who.id) {
		form_error(&f, "email", "You cannot change your own role; "
		    "another administrator can.");
		return staff_page(r, 422, &f);
	}
	if (db_begin(d) != 0)
		return 503;
	if (u->role == ROLE_ADMIN && role != ROLE_ADMIN &&
	    (admins = staff_admins(d)) >= 0 && admins <= 1) {
		db_rollback(d);
		form_error(&f, "role", "This is the shop's only administrator; "
		    "make another one first.");
		return staff_page(r, 422, &f);
	}
	if (u->role != role && (user_set_role(d, u->id, role) != USER_OK ||
	    adminlog_write(d, &who, "user.role", "user", u->id, u->email,
	    role_tval(a, u->role), role_tval(a, role)) < 0)) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", u->id);
	tval_set_str(a, data, "email", u->email);
	tval_set_str(a, data, "role", role_names[role]);
	return admin_done(r, "/admin/staff", "role", data);
}
