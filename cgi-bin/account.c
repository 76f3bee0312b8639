/*
 * account: sign-up, log-in and log-out, the account page, the address
 * book, password change and reset, and order history.
 *
 * Every form post answers 303 on success, 422 with the form and its
 * messages on failure (429 with Retry-After when log-ins or sign-ups are
 * throttled, 503 when the throttles cannot be used), and JSON
 * ({"ok":true,...} or {"ok":false,"errors":{...}}) to clients that ask
 * for it. Log-in gives the same answer, after the same work, for an
 * unknown email and a wrong password; sign-up for a new email and a
 * known one (the account is made by the link of its mail).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/money.h"
#include "core/tval.h"
#include "data/db.h"
#include "web/form.h"
#include "web/http.h"
#include "web/route.h"
#include "side/cache.h"
#include "shop/auth.h"
#include "shop/cart.h"
#include "shop/country.h"
#include "shop/order.h"
#include "shop/notify.h"
#include "shop/outbox.h"
#include "shop/pwcheck.h"
#include "shop/session.h"
#include "shop/signup.h"
#include "shop/user.h"
#include "app/app.h"
#include "app/page.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define ID_MAX		999999999999999999LL	/* FORM_INT's 18 digits */
#define RECENT_ORDERS	5	/* on the account page */
#define HISTORY_ORDERS	100	/* on the order history page */

static int	h_home(struct req *);
static int	h_signup_form(struct req *);
static int	h_signup(struct req *);
static int	h_confirm_form(struct req *);
static int	h_confirm(struct req *);
static int	h_login_form(struct req *);
static int	h_login(struct req *);
static int	h_logout(struct req *);
static int	h_orders(struct req *);
static int	h_addresses(struct req *);
static int	h_address_new(struct req *);
static int	h_address_add(struct req *);
static int	h_address_edit(struct req *);
static int	h_address_update(struct req *);
static int	h_address_delete(struct req *);
static int	h_address_default(struct req *);
static int	h_password_form(struct req *);
static int	h_password(struct req *);
static int	h_forgot_form(struct req *);
static int	h_forgot(struct req *);
static int	h_reset_form(struct req *);
static int	h_reset(struct req *);

#define GET	(HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD))
#define POST	HTTP_BIT(HTTP_POST)
#define ADDR	"^/account/addresses/(?<id>[0-9]{1,18})"

static const struct route routes[] = {
	{ GET,	"^/account/?$", h_home, ROUTE_USER },
	{ GET,	"^/account/signup$", h_signup_form, 0 },
	{ POST,	"^/account/signup$", h_signup, 0 },
	{ GET,	"^/account/confirm$", h_confirm_form, 0 },
	{ POST,	"^/account/confirm$", h_confirm, 0 },
	{ GET,	"^/account/login$", h_login_form, 0 },
	{ POST,	"^/account/login$", h_login, 0 },
	{ POST,	"^/account/logout$", h_logout, 0 },
	{ GET,	"^/account/orders$", h_orders, ROUTE_USER },
	{ GET,	"^/account/addresses$", h_addresses, ROUTE_USER },
	{ POST,	"^/account/addresses$", h_address_add, ROUTE_USER },
	{ GET,	"^/account/addresses/new$", h_address_new, ROUTE_USER },
	{ GET,	ADDR "$", h_address_edit, ROUTE_USER },
	{ POST,	ADDR "$", h_address_update, ROUTE_USER },
	{ POST,	ADDR "/delete$", h_address_delete, ROUTE_USER },
	{ POST,	ADDR "/default$", h_address_default, ROUTE_USER },
	{ GET,	"^/account/password$", h_password_form, ROUTE_USER },
	{ POST,	"^/account/password$", h_password, ROUTE_USER },
	{ GET,	"^/account/password/forgot$", h_forgot_form, 0 },
	{ POST,	"^/account/password/forgot$", h_forgot, 0 },
	{ GET,	"^/account/password/reset$", h_reset_form, 0 },
	{ POST,	"^/account/password/reset$", h_reset, 0 },
};

static const struct form_field signup_fields[] = {
	{ "name", "Name", FORM_TEXT, FORM_REQUIRED, 1, USER_NAME_MAX,
	  "name", NULL, NULL },
	{ "email", "Email", FORM_EMAIL, FORM_REQUIRED, 3, USER_EMAIL_MAX,
	  "email", NULL, NULL },
	{ "password", "Password", FORM_PASSWORD, FORM_REQUIRED,
	  AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX, "new-password",
	  "At least 8 characters. A few unrelated words make a good one.",
	  NULL },
	{ "next", "Next", FORM_PATH, 0, 0, SHOP_MAX_PATH, NULL, NULL, NULL },
};

static const char bad_signup_link[] = "This link to finish creating an "
    "account has expired or has been used already. Please sign up again.";

/* The token of a sign-up's link (shop/signup.h). */
static const struct form_field confirm_fields[] = {
	{ "token", "Link", FORM_TOKEN, FORM_REQUIRED, 0, 0, NULL, NULL,
	  bad_signup_link },
};

/* No minimum length here: log-in must not tell what the rules are. */
static const struct form_field login_fields[] = {
	{ "email", "Email", FORM_EMAIL, FORM_REQUIRED, 3, USER_EMAIL_MAX,
	  "email", NULL, NULL },
	{ "password", "Password", FORM_PASSWORD, FORM_REQUIRED, 1,
	  AUTH_PASSWORD_MAX, "current-password", NULL, NULL },
	{ "next", "Next", FORM_PATH, 0, 0, SHOP_MAX_PATH, NULL, NULL, NULL },
};

/* "next" alone, from the query string of the form pages. */
static const struct form_field next_fields[] = {
	{ "next", "Next", FORM_PATH, 0, 0, SHOP_MAX_PATH, NULL, NULL, NULL },
};

static const struct form_field address_fields[] = {
	{ "name", "Full name", FORM_TEXT, FORM_REQUIRED, 1, 100, "name",
	  NULL, NULL },
	{ "line1", "Address", FORM_TEXT, FORM_REQUIRED, 1, 200,
	  "address-line1", NULL, NULL },
	{ "line2", "Address line 2", FORM_TEXT, 0, 0, 200, "address-line2",
	  NULL, NULL },
	{ "city", "Town or city", FORM_TEXT, FORM_REQUIRED, 1, 100,
	  "address-level2", NULL, NULL },
	{ "postcode", "Postcode", FORM_POSTCODE, FORM_REQUIRED, 1, 16,
	  "postal-code", NULL, NULL },
	{ "country", "Country", FORM_COUNTRY, FORM_REQUIRED, 2, 2,
	  "country", NULL, NULL },
	{ "phone", "Phone", FORM_PHONE, 0, 0, 32, "tel",
	  "Only used by the carrier if they need to reach you.", NULL },
	{ "is_default", "Use as my default address", FORM_CHECKBOX, 0, 0, 0,
	  NULL, NULL, NULL },
};

/* The {id} of an address path. */
static const struct form_field id_fields[] = {
	{ "id", "Address", FORM_INT, FORM_REQUIRED, 1, ID_MAX, NULL, NULL,
	  NULL },
};

static const struct form_field password_fields[] = {
	{ "current_password", "Current password", FORM_PASSWORD,
	  FORM_REQUIRED, 1, AUTH_PASSWORD_MAX, "current-password", NULL,
	  NULL },
	{ "password", "New password", FORM_PASSWORD, FORM_REQUIRED,
	  AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX, "new-password",
	  "At least 8 characters.", NULL },
};

static const struct form_field forgot_fields[] = {
	{ "email", "Email", FORM_EMAIL, FORM_REQUIRED, 3, USER_EMAIL_MAX,
	  "email", "We will send a link to choose a new password.", NULL },
};

static const char bad_link[] = "This link to choose a new password has "
    "expired or has been used already. Please ask for a new one.";

static const struct form_field reset_fields[] = {
	{ "token", "Link", FORM_TOKEN, FORM_REQUIRED, 0, 0, NULL, NULL,
	  bad_link },
	{ "password", "New password", FORM_PASSWORD, FORM_REQUIRED,
	  AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX, "new-password",
	  "At least 8 characters.", NULL },
};

/* The token alone, from the link's query string. */
static const struct form_field token_fields[] = {
	{ "token", "Link", FORM_TOKEN, FORM_REQUIRED, 0, 0, NULL, NULL,
	  bad_link },
};

static const char throttles_down[] = "Signing in, signing up and password "
    "resets are unavailable for a moment. Please try again in a few "
    "minutes.";

/* What a successful post says on the page it redirects to. */
enum notice {
	NOTICE_WELCOME,
	NOTICE_SIGNED_IN,
	NOTICE_SIGNED_OUT,
	NOTICE_ADDRESS_ADDED,
	NOTICE_ADDRESS_SAVED,
	NOTICE_ADDRESS_DELETED,
	NOTICE_ADDRESS_DEFAULT,
	NOTICE_PASSWORD_CHANGED,
	NOTICE_RESET_SENT,
	NOTICE_PASSWORD_RESET,
	NOTICE_CHECK_MAIL,
	NOTICE__MAX
};

static const struct {
	const char	*code;
	const char	*message;
} notices[NOTICE__MAX] = {
	{ "welcome", "Welcome! Your account is ready." },
	{ "signed_in", "You are signed in." },
	{ "signed_out", "You are signed out." },
	{ "address_added", "The address was added." },
	{ "address_saved", "The address was saved." },
	{ "address_deleted", "The address was deleted." },
	{ "address_default", "That is your default address now." },
	{ "password_changed", "Your password was changed. Other devices "
	    "were signed out." },
	{ "reset_sent", "If an account uses that email, we have sent it a "
	    "link to choose a new password. The link works once, for one "
	    "hour." },
	{ "password_reset", "Your new password is set, and you are signed "
	    "in." },
	{ "check_mail", "Thank you. We have sent a mail to the address you "
	    "gave: follow its link within a day to finish creating your "
	    "account. If that address has an account already, the mail says "
	    "so instead." },
};

/* A new page's data with its title and the notice of ?notice=. */
static struct tval *
page_start(struct req *r, const char *title)
{
	struct tval	*d = page_data(r);
	const char	*code = req_query(r, "notice");
	int		 i;

	tval_set_bool(r->arena, d, "ok", true);
	tval_set_str(r->arena, d, "title", title);
	for (i = 0; code != NULL && !r->want_json && i < NOTICE__MAX; i++)
		if (strcmp(code, notices[i].code) == 0)
			tval_set_str(r->arena, d, "notice", notices[i].message);
	r->cache_control = "private, no-store";
	return d;
}

/* Render a form page (200) with its fields. */
static int
form_page(struct req *r, const char *title, const char *tmpl,
    const struct form *f)
{
	struct tval	*d = page_start(r, title);

	if (r->want_json) {
		tval_set(r->arena, d, "fields", form_tval(r->arena, f));
		return page_render(r, 200, tmpl, d);
	}
	tval_set(r->arena, d, "form", form_tval(r->arena, f));
	return page_render(r, 200, tmpl, d);
}

/* A failed form post: 422 (or status) with the page and its messages. */
static int
form_refuse(struct req *r, int status, const char *title, const char *tmpl,
    const struct form *f)
{
	return page_form_fail(r, status, tmpl, page_start(r, title), f);
}

/*
 * Success: JSON clients get data (status 200 or 201); browsers a 303 to
 * location with notice n.
 */
static int
success(struct req *r, int status, struct tval *data, const char *location,
    enum notice n)
{
	struct tval	*ok;

	if (r->want_json) {
		ok = data != NULL ? data : tval_map(r->arena);
		tval_set_bool(r->arena, ok, "ok", true);
		page_json(r, status, ok);
		return 0;
	}
	resp_redirect(r, 303, arena_printf(r->arena, "%s%snotice=%s", location,
	    strchr(location, '?') != NULL ? "&" : "?", notices[n].code));
	r->cache_control = "no-store";
	return 0;
}

static struct tval *
user_tval(struct arena *a, const struct session *s)
{
	struct tval	*u = tval_map(a);

	tval_set_int(a, u, "id", s->user_id);
	tval_set_str(a, u, "email", s->user_email);
	tval_set_str(a, u, "name", s->user_name);
	tval_set_bool(a, u, "admin", s->role == ROLE_ADMIN);
	tval_set_bool(a, u, "staff", role_is_staff(s->role));
	return u;
}

static struct tval *
address_tval(struct arena *a, const struct user_address *ad)
{
	struct tval	*m = tval_map(a);

	tval_set_int(a, m, "id", ad->id);
	tval_set_str(a, m, "name", ad->name);
	tval_set_str(a, m, "line1", ad->line1);
	tval_set_str(a, m, "line2", ad->line2);
	tval_set_str(a, m, "city", ad->city);
	tval_set_str(a, m, "postcode", ad->postcode);
	tval_set_str(a, m, "country", ad->country);
	tval_set_str(a, m, "country_name", page_country(ad->country));
	tval_set_str(a, m, "phone", ad->phone);
	tval_set_bool(a, m, "is_default", ad->is_default);
	return m;
}

/* The customer's orders, newest first, at most limit. NULL on error. */
static struct tval *
orders_tval(struct req *r, size_t limit)
{
	struct arena	*a = r->arena;
	struct order	*o;
	struct tval	*list = tval_list(a), *m;
	size_t		 n, i;

	o = orders_of_user(req_db(r, DB_PRIMARY), a, session_of(r)->user_id,
	    limit, &n);
	if (o == NULL && n != 0)
		return NULL;
	for (i = 0; i < n; i++) {
		m = tval_push_map(a, list);
		tval_set_str(a, m, "number", o[i].number);
		tval_set_str(a, m, "state", order_state_names[o[i].state]);
		tval_set_str(a, m, "state_label",
		    order_state_labels[o[i].state]);
		tval_set_str(a, m, "created_at", o[i].created_at);
		tval_set_str(a, m, "date", arena_strndup(a, o[i].created_at,
		    10));
		tval_set_str(a, m, "date_label", page_date(r, o[i].created_at,
		    DATEFMT_SHORT));
		tval_set_int(a, m, "total", o[i].total);
		tval_set_str(a, m, "currency", o[i].currency);
		tval_set_str(a, m, "total_formatted", money_format(a,
		    o[i].total, o[i].currency));
		tval_set(a, m, "url", tval_strf(a, "/orders/%s", o[i].token));
	}
	return list;
}

static int
h_home(struct req *r)
{
	struct tval		*d = page_start(r, "Your account"), *orders;
	struct user_address	*ads;
	size_t			 n;

	tval_set(r->arena, d, "user", user_tval(r->arena, session_of(r)));
	if ((orders = orders_tval(r, RECENT_ORDERS)) == NULL)
		return 500;
	tval_set(r->arena, d, "orders", orders);
	tval_set_bool(r->arena, d, "has_orders", orders->u.c.n > 0);
	ads = user_addresses(req_db(r, DB_PRIMARY), r->arena,
	    session_of(r)->user_id, &n);
	if (n > 0 && ads[0].is_default)
		tval_set(r->arena, d, "default_address",
		    address_tval(r->arena, &ads[0]));
	return page_render(r, 200, "account/home", d);
}

static int
h_orders(struct req *r)
{
	struct tval	*d = page_start(r, "Your orders"), *orders;

	if ((orders = orders_tval(r, HISTORY_ORDERS)) == NULL)
		return 500;
	tval_set(r->arena, d, "orders", orders);
	tval_set_bool(r->arena, d, "has_orders", orders->u.c.n > 0);
	return page_render(r, 200, "account/orders", d);
}

/* Where to go after signing in: a validated "next", or the account. */
static const char *
next_of(const struct form *f)
{
	const char	*next = form_str(f, "next");

	return next[0] != '\0' ? next : "/account";
}

/* The validated ?next= of a form page, into f. */
static void
next_from_query(struct req *r, struct form *f)
{
	struct form	q;

	form_init(&q, r->arena, next_fields, nitems(next_fields));
	(void)form_read(&q, r->arena, &r->query);
	form_set(f, "next", form_str(&q, "next"));
}

static bool
signed_in(const struct req *r)
{
	return session_of(r) != NULL && session_of(r)->user_id != 0;
}

/*
 * Whether the new password in field of a form that passed may be chosen
 * by the account of email and name (shop/pwcheck.h); if not, the reason
 * is the field's error.
 */
static bool
password_ok(struct form *f, const char *field, const char *email,
    const char *name)
{
	const char	*why = pwcheck(form_str(f, field), email, name);

	if (why != NULL)
		form_error(f, field, why);
	return why == NULL;
}

static int
h_signup_form(struct req *r)
{
	struct form	f;

	form_init(&f, r->arena, signup_fields, nitems(signup_fields));
	next_from_query(r, &f);
	if (signed_in(r) && !r->want_json) {
		resp_redirect(r, 303, next_of(&f));
		return 0;
	}
	return form_page(r, "Create an account", "account/signup", &f);
}

/*
 * The same answer whether the email has an account or not (shop/signup.h):
 * 303 to the sign-up page saying to check the mail, or 202 and
 * {"ok":true}, after the same work either way (the password hashed, one
 * write with one mail queued), with no session made. The account is
 * made, and its browser signed in, by the link of the mail (h_confirm);
 * the owner of a known email is mailed that someone tried.
 */
static int
h_signup(struct req *r)
{
	struct form		 f;
	char			 hash[AUTH_HASH_LEN];
	const char		*email;
	enum user_result	 res;
	bool			 mail;
	int			 wait, allowed;

	form_init(&f, r->arena, signup_fields, nitems(signup_fields));
	if (!form_read(&f, r->arena, &r->form) || !password_ok(&f, "password",
	    form_str(&f, "email"), form_str(&f, "name")))
		return form_refuse(r, 422, "Create an account",
		    "account/signup", &f);
	email = user_email_normalize(r->arena, form_str(&f, "email"));
	allowed = auth_signup_allowed(req_db(r, DB_CACHE), email,
	    r->remote_addr, &mail, &wait);
	if (allowed < 0) {
		resp_header(r, "Retry-After", "60");
		r->error = throttles_down;
		return 503;
	}
	if (allowed == 0) {
		resp_header(r, "Retry-After", arena_printf(r->arena, "%d",
		    wait));
		form_error(&f, NULL, arena_printf(r->arena, "Too many sign-ups "
		    "from your network. Please wait %d minute%s and try again.",
		    (wait + 59) / 60, (wait + 59) / 60 == 1 ? "" : "s"));
		return form_refuse(r, 429, "Create an account",
		    "account/signup", &f);
	}
	if (auth_hash(form_str(&f, "password"), hash) != 0)
		return 503;
	res = signup_request(req_db(r, DB_PRIMARY), email,
	    form_str(&f, "name"), hash, mail, NULL);
	sodium_memzero(hash, sizeof(hash));
	if (res != USER_OK)
		return 503;
	return success(r, 202, NULL, "/account/signup", NOTICE_CHECK_MAIL);
}

/*
 * The page of a sign-up's link: a button to press, so that a mail
 * scanner fetching the link makes nothing.
 */
static int
h_confirm_form(struct req *r)
{
	struct form	 f;
	struct tval	*d;
	long long	 id;
	char		*email;

	form_init(&f, r->arena, confirm_fields, nitems(confirm_fields));
	if (!form_read(&f, r->arena, &r->query) ||
	    (id = signup_check(req_db(r, DB_PRIMARY), r->arena,
	    form_str(&f, "token"), &email)) == 0) {
		r->error = bad_signup_link;
		return 404;
	}
	if (id < 0)
		return 503;
	/*
	 * The token must not leak through the Referer of later requests:
	 * the shop's origin only, as on the reset page (not "no-referrer",
	 * which makes the browser send "Origin: null" with the form).
	 */
	resp_header(r, "Referrer-Policy", "strict-origin");
	d = page_start(r, "Finish creating your account");
	tval_set_str(r->arena, d, "email", email);
	tval_set(r->arena, d, r->want_json ? "fields" : "form",
	    form_tval(r->arena, &f));
	return page_render(r, 200, "account/confirm", d);
}

/* Make the account of a sign-up's link and sign its browser in. */
static int
h_confirm(struct req *r)
{
	struct form	 f;
	long long	 id;
	struct tval	*data;

	form_init(&f, r->arena, confirm_fields, nitems(confirm_fields));
	if (!form_read(&f, r->arena, &r->form))
		return form_refuse(r, 422, "Finish creating your account",
		    "account/confirm", &f);
	if ((id = signup_confirm(req_db(r, DB_PRIMARY),
	    form_str(&f, "token"))) < 0)
		return 503;
	if (id == 0) {
		form_error(&f, "token", bad_signup_link);
		return form_refuse(r, 422, "Finish creating your account",
		    "account/confirm", &f);
	}
	if (session_login(r, id, cart_login_merge, NULL) != 0)
		return 503;
	auth_device_give(r, session_of(r)->user_email);
	data = tval_map(r->arena);
	tval_set(r->arena, data, "user", user_tval(r->arena, session_of(r)));
	return success(r, 201, data, "/account", NOTICE_WELCOME);
}

static int
h_login_form(struct req *r)
{
	struct form	f;

	form_init(&f, r->arena, login_fields, nitems(login_fields));
	next_from_query(r, &f);
	if (signed_in(r) && !r->want_json) {
		resp_redirect(r, 303, next_of(&f));
		return 0;
	}
	return form_page(r, "Sign in", "account/login", &f);
}

/* Sign-in refused for now: 429 with the wait (Retry-After is set). */
static int
login_wait(struct req *r, struct form *f, const char *title,
    const char *tmpl, int wait)
{
	int	minutes = (wait + 59) / 60;

	form_error(f, NULL, arena_printf(r->arena, "Too many failed attempts "
	    "to sign in. Please wait %d minute%s and try again, or reset "
	    "your password.", minutes, minutes == 1 ? "" : "s"));
	return form_refuse(r, 429, title, tmpl, f);
}


/*
 * The same work whether the account exists or not: the throttles first
 * (shop/auth.h: a trusted device, or the account and the address), then
 * one Argon2id verification (against a dummy hash for an unknown email),
 * and the same 422 answer.
 */
static int
h_login(struct req *r)
{
	struct db		*d = req_db(r, DB_PRIMARY);
	struct form		 f;
	struct user		*u;
	struct auth_attempt	 at;
	const char		*pw;
	char			 hash[AUTH_HASH_LEN];
	bool			 ok;
	struct tval		*data;

	form_init(&f, r->arena, login_fields, nitems(login_fields));
	if (!form_read(&f, r->arena, &r->form))
		return form_refuse(r, 422, "Sign in", "account/login", &f);
	pw = form_str(&f, "password");
	switch (auth_request_gate(r, form_str(&f, "email"), &at)) {
	case AUTH_GO:
		break;
	case AUTH_WAIT:
		return login_wait(r, &f, "Sign in", "account/login", at.wait);
	default:
		r->error = throttles_down;
		return 503;
	}
	u = user_by_email(d, r->arena, at.email);
	ok = auth_verify(u != NULL ? u->password_hash : NULL, pw);
	if (!ok) {
		(void)auth_request_done(r, &at, false);
		form_error(&f, NULL, "The email or the password is not "
		    "right.");
		return form_refuse(r, 422, "Sign in", "account/login", &f);
	}
	if (auth_needs_rehash(u->password_hash) && auth_hash(pw, hash) == 0) {
		if (user_set_hash(d, u->id, hash) != USER_OK)
			log_warn("login: could not upgrade the password hash "
			    "of user %lld", u->id);
		sodium_memzero(hash, sizeof(hash));
	}
	if (session_login(r, u->id, cart_login_merge, NULL) != 0)
		return 503;
	(void)auth_request_done(r, &at, true);
	data = tval_map(r->arena);
	tval_set(r->arena, data, "user", user_tval(r->arena, session_of(r)));
	return success(r, 200, data, next_of(&f), NOTICE_SIGNED_IN);
}

static int
h_logout(struct req *r)
{
	if (session_logout(r) != 0)
		return 503;
	return success(r, 200, NULL, "/account/login", NOTICE_SIGNED_OUT);
}

static int
h_addresses(struct req *r)
{
	struct tval		*d = page_start(r, "Your addresses"), *list;
	struct user_address	*ads;
	size_t			 n, i;

	ads = user_addresses(req_db(r, DB_PRIMARY), r->arena,
	    session_of(r)->user_id, &n);
	if (ads == NULL)
		return 500;
	list = tval_set_list(r->arena, d, "addresses");
	for (i = 0; i < n; i++)
		tval_push(r->arena, list, address_tval(r->arena, &ads[i]));
	tval_set_bool(r->arena, d, "can_add", n < USER_MAX_ADDRESSES);
	return page_render(r, 200, "account/addresses", d);
}

/*
 * The address form page: new (ad NULL) or editing ad. The country is
 * chosen from the countries the shop ships to, the form's own selected;
 * a new address starts with the shop's country.
 */
static int
address_page(struct req *r, int status, const struct user_address *ad,
    struct form *f)
{
	struct tval	*d = page_start(r, ad != NULL ? "Edit address" :
			    "New address");
	const char	*country = form_str(f, "country");

	if (ad == NULL && status == 200 && *country == '\0')
		form_set(f, "country", country = r->shop->cfg->country);
	tval_set(r->arena, d, "action", ad != NULL ? tval_strf(r->arena,
	    "/account/addresses/%lld", ad->id) :
	    tval_str(r->arena, "/account/addresses"));
	tval_set_bool(r->arena, d, "editing", ad != NULL);
	tval_set(r->arena, d, "countries", country_tval(r->arena, country));
	tval_set_bool(r->arena, d, "country_chosen", country_known(country));
	if (status != 200)
		return page_form_fail(r, status, "account/address", d, f);
	tval_set(r->arena, d, r->want_json ? "fields" : "form",
	    form_tval(r->arena, f));
	return page_render(r, status, "account/address", d);
}

/*
 * Read the address form from the request: every field valid, and a
 * country the shop ships to (an address kept for elsewhere would be
 * turned into another at checkout).
 */
static bool
address_read(struct req *r, struct form *f)
{
	bool	ok = form_read(f, r->arena, &r->form);

	if (form_field_error(f, "country") == NULL &&
	    !country_known(form_str(f, "country"))) {
		form_error(f, "country", COUNTRY_REFUSED);
		ok = false;
	}
	return ok;
}

static int
h_address_new(struct req *r)
{
	struct form	f;

	form_init(&f, r->arena, address_fields, nitems(address_fields));
	return address_page(r, 200, NULL, &f);
}

/* The address a path names, if it is the customer's; NULL if not. */
static struct user_address *
path_address(struct req *r)
{
	struct form	f;

	form_init(&f, r->arena, id_fields, nitems(id_fields));
	if (!form_read(&f, r->arena, &r->params))
		return NULL;
	return user_address(req_db(r, DB_PRIMARY), r->arena,
	    session_of(r)->user_id, form_int(&f, "id"));
}

static void
address_from_form(const struct form *f, struct user_address *ad)
{
	ad->name = (char *)form_str(f, "name");
	ad->line1 = (char *)form_str(f, "line1");
	ad->line2 = (char *)form_str(f, "line2");
	ad->city = (char *)form_str(f, "city");
	ad->postcode = (char *)form_str(f, "postcode");
	ad->country = (char *)form_str(f, "country");
	ad->phone = (char *)form_str(f, "phone");
	ad->is_default = form_bool(f, "is_default");
}

static int
h_address_add(struct req *r)
{
	struct form		 f;
	struct user_address	 ad, *saved;
	enum user_result	 res;
	struct tval		*data;

	form_init(&f, r->arena, address_fields, nitems(address_fields));
	if (!address_read(r, &f))
		return address_page(r, 422, NULL, &f);
	memset(&ad, 0, sizeof(ad));
	address_from_form(&f, &ad);
	res = user_address_add(req_db(r, DB_PRIMARY), session_of(r)->user_id,
	    &ad, &ad.id);
	if (res == USER_LIMIT) {
		form_error(&f, NULL, "Your address book is full. Delete an "
		    "address you no longer use first.");
		return address_page(r, 422, NULL, &f);
	}
	if (res != USER_OK)
		return 503;
	if ((saved = user_address(req_db(r, DB_PRIMARY), r->arena,
	    session_of(r)->user_id, ad.id)) == NULL)
		return 503;
	data = tval_map(r->arena);
	tval_set(r->arena, data, "address", address_tval(r->arena, saved));
	return success(r, 201, data, "/account/addresses",
	    NOTICE_ADDRESS_ADDED);
}

static int
h_address_edit(struct req *r)
{
	struct user_address	*ad;
	struct form		 f;

	if ((ad = path_address(r)) == NULL)
		return 404;
	form_init(&f, r->arena, address_fields, nitems(address_fields));
	form_set(&f, "name", ad->name);
	form_set(&f, "line1", ad->line1);
	form_set(&f, "line2", ad->line2);
	form_set(&f, "city", ad->city);
	form_set(&f, "postcode", ad->postcode);
	form_set(&f, "country", ad->country);
	form_set(&f, "phone", ad->phone);
	form_set(&f, "is_default", ad->is_default ? "on" : "");
	return address_page(r, 200, ad, &f);
}

static int
h_address_update(struct req *r)
{
	struct user_address	*ad, nw;
	struct form		 f;
	enum user_result	 res;
	struct tval		*data;

	if ((ad = path_address(r)) == NULL)
		return 404;
	form_init(&f, r->arena, address_fields, nitems(address_fields));
	if (!address_read(r, &f))
		return address_page(r, 422, ad, &f);
	memset(&nw, 0, sizeof(nw));
	address_from_form(&f, &nw);
	nw.id = ad->id;
	res = user_address_update(req_db(r, DB_PRIMARY),
	    session_of(r)->user_id, &nw);
	if (res == USER_NOT_FOUND)
		return 404;
	if (res != USER_OK)
		return 503;
	if ((ad = user_address(req_db(r, DB_PRIMARY), r->arena,
	    session_of(r)->user_id, nw.id)) == NULL)
		return 503;
	data = tval_map(r->arena);
	tval_set(r->arena, data, "address", address_tval(r->arena, ad));
	return success(r, 200, data, "/account/addresses",
	    NOTICE_ADDRESS_SAVED);
}

static int
h_address_delete(struct req *r)
{
	struct user_address	*ad;
	enum user_result	 res;

	if ((ad = path_address(r)) == NULL)
		return 404;
	res = user_address_delete(req_db(r, DB_PRIMARY),
	    session_of(r)->user_id, ad->id);
	if (res == USER_NOT_FOUND)
		return 404;
	if (res != USER_OK)
		return 503;
	return success(r, 200, NULL, "/account/addresses",
	    NOTICE_ADDRESS_DELETED);
}

static int
h_address_default(struct req *r)
{
	struct user_address	*ad;
	enum user_result	 res;

	if ((ad = path_address(r)) == NULL)
		return 404;
	res = user_address_set_default(req_db(r, DB_PRIMARY),
	    session_of(r)->user_id, ad->id);
	if (res == USER_NOT_FOUND)
		return 404;
	if (res != USER_OK)
		return 503;
	return success(r, 200, NULL, "/account/addresses",
	    NOTICE_ADDRESS_DEFAULT);
}

static int
h_password_form(struct req *r)
{
	struct form	f;

	form_init(&f, r->arena, password_fields, nitems(password_fields));
	return form_page(r, "Change your password", "account/password", &f);
}

/*
 * A wrong current password counts as a failed log-in, so a session left
 * open cannot be used to guess it; success ends the account's other
 * sessions and gives this one a new id.
 */
static int
h_password(struct req *r)
{
	struct db		*d = req_db(r, DB_PRIMARY);
	struct session		*s = session_of(r);
	struct user		*u;
	struct form		 f;
	struct auth_attempt	 at;
	char			 hash[AUTH_HASH_LEN];

	form_init(&f, r->arena, password_fields, nitems(password_fields));
	if (!form_read(&f, r->arena, &r->form))
		return form_refuse(r, 422, "Change your password",
		    "account/password", &f);
	if ((u = user_by_id(d, r->arena, s->user_id)) == NULL)
		return 503;
	switch (auth_request_gate(r, u->email, &at)) {
	case AUTH_GO:
		break;
	case AUTH_WAIT:
		form_error(&f, NULL, "Too many wrong passwords. Please wait "
		    "and try again later.");
		return form_refuse(r, 429, "Change your password",
		    "account/password", &f);
	default:
		r->error = throttles_down;
		return 503;
	}
	if (!auth_verify(u->password_hash, form_str(&f, "current_password"))) {
		(void)auth_request_done(r, &at, false);
		form_error(&f, "current_password", "This is not your current "
		    "password.");
		return form_refuse(r, 422, "Change your password",
		    "account/password", &f);
	}
	(void)auth_request_done(r, &at, true);
	if (!password_ok(&f, "password", u->email, u->name))
		return form_refuse(r, 422, "Change your password",
		    "account/password", &f);
	if (auth_hash(form_str(&f, "password"), hash) != 0)
		return 503;
	if (user_set_password(d, s->user_id, hash, s->id) != USER_OK) {
		sodium_memzero(hash, sizeof(hash));
		return 503;
	}
	sodium_memzero(hash, sizeof(hash));
	if (session_login(r, s->user_id, NULL, NULL) != 0)
		return 503;
	return success(r, 200, NULL, "/account", NOTICE_PASSWORD_CHANGED);
}

static int
h_forgot_form(struct req *r)
{
	struct form	f;

	form_init(&f, r->arena, forgot_fields, nitems(forgot_fields));
	return form_page(r, "Forgot your password?", "account/forgot", &f);
}

/*
 * Queue a reset link for u: the worker makes the link as it writes the
 * mail (shop/user.h), so no request ever holds or stores it. Returns 0,
 * or -1 (logged).
 */
static int
send_reset(struct req *r, const struct user *u)
{
	if (user_reset_create(req_db(r, DB_PRIMARY), u->id, NULL) !=
	    USER_OK) {
		log_error("forgot: no reset for user %lld", u->id);
		return -1;
	}
	return 0;
}

/*
 * The same answer whether an account uses the email or not; mail is sent
 * at most AUTH_RESETS_PER_HOUR times an hour to one account or for one
 * client address, and not at all while that cannot be counted.
 */
static int
h_forgot(struct req *r)
{
	struct form	 f;
	struct user	*u;
	int		 allowed;

	form_init(&f, r->arena, forgot_fields, nitems(forgot_fields));
	if (!form_read(&f, r->arena, &r->form))
		return form_refuse(r, 422, "Forgot your password?",
		    "account/forgot", &f);
	allowed = auth_reset_allowed(req_db(r, DB_CACHE),
	    form_str(&f, "email"), r->remote_addr);
	if (allowed < 0) {
		resp_header(r, "Retry-After", "60");
		r->error = throttles_down;
		return 503;
	}
	u = user_by_email(req_db(r, DB_PRIMARY), r->arena,
	    form_str(&f, "email"));
	if (u != NULL) {
		if (!allowed)
			log_warn("forgot: reset mail for user %lld not sent: "
			    "too many requests", u->id);
		else
			(void)send_reset(r, u);
	}
	return success(r, 200, NULL, "/account/password/forgot",
	    NOTICE_RESET_SENT);
}

static int
h_reset_form(struct req *r)
{
	struct form	t, f;
	long long	id;

	form_init(&t, r->arena, token_fields, nitems(token_fields));
	if (!form_read(&t, r->arena, &r->query) ||
	    (id = user_reset_check(req_db(r, DB_PRIMARY),
	    form_str(&t, "token"))) == 0) {
		r->error = bad_link;
		return 404;
	}
	if (id < 0)
		return 503;
	form_init(&f, r->arena, reset_fields, nitems(reset_fields));
	form_set(&f, "token", form_str(&t, "token"));
	/*
	 * The token must not leak through the Referer of later requests:
	 * they name the shop's origin only. Not "no-referrer", with which a
	 * browser sends "Origin: null" with the form, which is refused
	 * (lib/web/origin.h).
	 */
	resp_header(r, "Referrer-Policy", "strict-origin");
	return form_page(r, "Choose a new password", "account/reset", &f);
}

static int
h_reset(struct req *r)
{
	struct form	 f;
	struct user	*u;
	char		 hash[AUTH_HASH_LEN];
	long long	 id;

	form_init(&f, r->arena, reset_fields, nitems(reset_fields));
	if (!form_read(&f, r->arena, &r->form))
		return form_refuse(r, 422, "Choose a new password",
		    "account/reset", &f);
	/* Checked against the account the link is for, if it is valid. */
	if ((id = user_reset_check(req_db(r, DB_PRIMARY),
	    form_str(&f, "token"))) < 0)
		return 503;
	u = id > 0 ? user_by_id(req_db(r, DB_PRIMARY), r->arena, id) : NULL;
	if (!password_ok(&f, "password", u != NULL ? u->email : NULL,
	    u != NULL ? u->name : NULL))
		return form_refuse(r, 422, "Choose a new password",
		    "account/reset", &f);
	if (auth_hash(form_str(&f, "password"), hash) != 0)
		return 503;
	id = user_reset_use(req_db(r, DB_PRIMARY), form_str(&f, "token"),
	    hash);
	sodium_memzero(hash, sizeof(hash));
	if (id < 0)
		return 503;
	if (id == 0) {
		form_error(&f, "token", bad_link);
		return form_refuse(r, 422, "Choose a new password",
		    "account/reset", &f);
	}
	/* Every session of the account ended, this one too if it was one. */
	if (session_of(r) != NULL && session_of(r)->user_id == id)
		r->session = NULL;
	if (session_login(r, id, cart_login_merge, NULL) != 0)
		return 503;
	/* The mailbox's owner: this browser is trusted for the account. */
	auth_device_give(r, session_of(r)->user_email);
	return success(r, 200, NULL, "/account", NOTICE_PASSWORD_RESET);
}

int
main(int argc, char *argv[])
{
	static const struct app app = {
		.name = "account",
		.routes = routes,
		.nroutes = nitems(routes),
		.dbs = DB_BIT(DB_PRIMARY),
		.optional_dbs = DB_BIT(DB_CACHE),
	};

	return app_main(&app, argc, argv);
}
