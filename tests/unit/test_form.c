/*
 * Unit tests: form validation (lib/web/form.c): every type's pattern, lengths
 * in characters, trimming and normalizing, integers, and the messages.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/tval.h"
#include "web/form.h"
#include "web/http.h"

static struct arena	*a;

static void
setup(void)
{
	a = arena_new();
}

static void
teardown(void)
{
	arena_free(a);
}

#define M(t, s)	form_match((t), (s), strlen(s))

START_TEST(patterns)
{
	ck_assert(M(FORM_TEXT, "Ann Smith \xc3\xa9\xe2\x82\xac"));
	ck_assert(!M(FORM_TEXT, "a\nb"));
	ck_assert(!M(FORM_TEXT, "a\tb"));
	ck_assert(!M(FORM_TEXT, "a\x7f"));
	ck_assert(M(FORM_EMAIL, "ann.o'neil+shop@mail.example.co.uk"));
	ck_assert(!M(FORM_EMAIL, "a@b"));
	ck_assert(!M(FORM_EMAIL, "a b@example.com"));
	ck_assert(!M(FORM_EMAIL, "<a@example.com>"));
	ck_assert(!M(FORM_EMAIL, "a@-example.com"));
	ck_assert(!M(FORM_EMAIL, "a@example..com"));
	ck_assert(!M(FORM_EMAIL, "\xc3\xa9@example.com"));
	ck_assert(M(FORM_INT, "0"));
	ck_assert(M(FORM_INT, "999999999999999999"));
	ck_assert(!M(FORM_INT, "9999999999999999999"));
	ck_assert(!M(FORM_INT, "-1"));
	ck_assert(!M(FORM_INT, "+1"));
	ck_assert(!M(FORM_INT, "1e9"));
	ck_assert(!M(FORM_INT, "0x10"));
	ck_assert(!M(FORM_INT, "1.0"));
	ck_assert(!M(FORM_INT, ""));
	ck_assert(M(FORM_COUNTRY, "fr"));
	ck_assert(!M(FORM_COUNTRY, "FRA"));
	ck_assert(M(FORM_POSTCODE, "SW1A 1AA"));
	ck_assert(M(FORM_POSTCODE, "75001"));
	ck_assert(!M(FORM_POSTCODE, "-75001"));
	ck_assert(!M(FORM_POSTCODE, "75<001"));
	ck_assert(M(FORM_PHONE, "+33 (0)1 23.45-67"));
	ck_assert(!M(FORM_PHONE, "call me"));
	ck_assert(M(FORM_TOKEN, "abcdefghijklmnopqrstuvwxyz0123456789_-ABCDE"));
	ck_assert(!M(FORM_TOKEN, "abcdefghijklmnopqrstuvwxyz0123456789_-ABCD"));
	ck_assert(!M(FORM_TOKEN, "abcdefghijklmnopqrstuvwxyz0123456789_-ABC="));
	ck_assert(M(FORM_PATH, "/"));
	ck_assert(M(FORM_PATH, "/account/addresses?x=1"));
	ck_assert(!M(FORM_PATH, "//evil.example"));
	ck_assert(!M(FORM_PATH, "/\\evil.example"));
	ck_assert(!M(FORM_PATH, "/a\\b"));
	ck_assert(!M(FORM_PATH, "https://evil.example"));
	ck_assert(!M(FORM_PATH, "/a b"));
	ck_assert(M(FORM_CHECKBOX, "on"));
	ck_assert(M(FORM_CHECKBOX, ""));
	ck_assert(!M(FORM_CHECKBOX, "maybe"));
	ck_assert(!M(FORM_TYPE__MAX, "x"));
}
END_TEST

static const struct form_field fields[] = {
	{ "name", "Name", FORM_TEXT, FORM_REQUIRED, 2, 5, NULL, NULL, NULL },
	{ "email", "Email", FORM_EMAIL, FORM_REQUIRED, 3, 254, NULL, NULL,
	  NULL },
	{ "qty", "Quantity", FORM_INT, FORM_REQUIRED, 1, 99, NULL, NULL,
	  NULL },
	{ "pw", "Password", FORM_PASSWORD, 0, 0, 10, NULL, NULL, NULL },
	{ "cc", "Country", FORM_COUNTRY, 0, 2, 2, NULL, NULL, NULL },
	{ "box", "Box", FORM_CHECKBOX, 0, 0, 0, NULL, NULL, NULL },
	{ "next", "Next", FORM_PATH, 0, 0, 100, NULL, NULL, NULL },
	{ "id", "Product", FORM_INT, 0, 1, 1000, NULL, NULL,
	  "Choose a product." },
};

/* Parse "a=1&b=2"-like pairs given as arrays into a kvlist. */
static struct form
read_pairs(const char *const *kv, size_t n, bool *ok)
{
	struct kvlist	l;
	struct form	f;
	size_t		i;

	l.v = arena_calloc(a, n / 2 + 1, sizeof(*l.v));
	l.n = 0;
	for (i = 0; i + 1 < n; i += 2) {
		l.v[l.n].key = kv[i];
		l.v[l.n].val = kv[i + 1];
		l.v[l.n].vlen = strlen(kv[i + 1]);
		l.n++;
	}
	form_init(&f, a, fields, sizeof(fields) / sizeof(fields[0]));
	*ok = form_read(&f, a, &l);
	return f;
}

START_TEST(valid)
{
	static const char *const kv[] = {
		"name", "  \xc3\xa9t\xc3\xa9 ",	/* 3 characters, 6 bytes */
		"email", " Ann@Example.COM",
		"qty", "99",
		"pw", " spaced ",
		"cc", "fr",
		"box", "on",
		"next", "/cart",
		"ignored", "whatever",
	};
	bool		ok;
	struct form	f = read_pairs(kv, sizeof(kv) / sizeof(kv[0]), &ok);

	ck_assert(ok);
	ck_assert_str_eq(form_str(&f, "name"), "\xc3\xa9t\xc3\xa9");
	ck_assert_str_eq(form_str(&f, "email"), "ann@example.com");
	ck_assert_int_eq(form_int(&f, "qty"), 99);
	ck_assert_str_eq(form_str(&f, "pw"), " spaced ");
	ck_assert_str_eq(form_str(&f, "cc"), "FR");
	ck_assert(form_bool(&f, "box"));
	ck_assert_str_eq(form_str(&f, "next"), "/cart");
	ck_assert_int_eq(form_int(&f, "id"), 0);
	ck_assert_str_eq(form_str(&f, "id"), "");
}
END_TEST

START_TEST(invalid)
{
	static const char *const kv[] = {
		"name", "abcdef",
		"email", "nope",
		"qty", "100",
		"pw", "a\x01",
		"cc", "F",
		"box", "2",
		"next", "//evil.example",
		"id", "abc",
	};
	bool		 ok;
	struct form	 f = read_pairs(kv, sizeof(kv) / sizeof(kv[0]), &ok);
	struct buf	 b = { 0 };

	ck_assert(!ok);
	ck_assert_uint_eq(f.nerrors, 7);
	/* A bad "next" is dropped, not an error. */
	ck_assert_str_eq(form_str(&f, "next"), "");
	tval_json(&b, form_errors_tval(a, &f));
	ck_assert_str_eq(buf_str(&b), "{"
	    "\"name\":\"Name must be at most 5 characters.\","
	    "\"email\":\"Enter an email address like name@example.com.\","
	    "\"qty\":\"Enter a whole number from 1 to 99.\","
	    "\"pw\":\"Password must not hold control characters.\","
	    "\"cc\":\"Country must be at least 2 characters.\","
	    "\"box\":\"Box must be on or off.\","
	    "\"id\":\"Choose a product.\"}");
	buf_free(&b);
}
END_TEST

START_TEST(required_and_form_errors)
{
	static const char *const kv[] = { "name", "   ", "qty", "0" };
	bool		 ok;
	struct form	 f = read_pairs(kv, sizeof(kv) / sizeof(kv[0]), &ok);
	struct buf	 b = { 0 };

	ck_assert(!ok);
	ck_assert_str_eq(form_field_error(&f, "name"), "Name is required.");
	ck_assert_str_eq(form_field_error(&f, "email"), "Email is required.");
	ck_assert_ptr_null(form_field_error(&f, "pw"));
	form_error(&f, NULL, "Something else.");
	form_error(&f, "email", "Taken.");
	ck_assert_str_eq(form_field_error(&f, "email"), "Taken.");
	tval_json(&b, form_errors_tval(a, &f));
	ck_assert_str_eq(buf_str(&b), "{"
	    "\"name\":\"Name is required.\","
	    "\"email\":\"Taken.\","
	    "\"qty\":\"Enter a whole number from 1 to 99.\","
	    "\"form\":\"Something else.\"}");
	buf_free(&b);
}
END_TEST

/* A prefilled value reads back as a read one would, integers too. */
START_TEST(set_prefills)
{
	struct form	f;

	form_init(&f, a, fields, sizeof(fields) / sizeof(fields[0]));
	form_set(&f, "id", "42");
	form_set(&f, "qty", "7");
	form_set(&f, "box", "on");
	ck_assert_str_eq(form_str(&f, "id"), "42");
	ck_assert_int_eq(form_int(&f, "id"), 42);
	ck_assert_int_eq(form_int(&f, "qty"), 7);
	ck_assert(form_bool(&f, "box"));
	form_set(&f, "id", "");
	ck_assert_int_eq(form_int(&f, "id"), 0);
	form_set(&f, "id", "12x");
	ck_assert_int_eq(form_int(&f, "id"), 0);
	form_set(&f, "qty", "99999999999999999999");
	ck_assert_int_eq(form_int(&f, "qty"), 0);
	form_set(&f, "box", NULL);
	ck_assert(!form_bool(&f, "box"));
	ck_assert_str_eq(form_str(&f, "box"), "");
}
END_TEST

START_TEST(tval_for_templates)
{
	static const char *const kv[] = { "name", "<", "pw", "secret" };
	bool		 ok;
	struct form	 f = read_pairs(kv, sizeof(kv) / sizeof(kv[0]), &ok);
	struct tval	*t = form_tval(a, &f), *name, *pw;

	ck_assert_uint_eq(t->u.c.n, sizeof(fields) / sizeof(fields[0]));
	name = t->u.c.head->val;
	pw = t->u.c.head->next->next->next->val;
	ck_assert_str_eq(tval_get_str(name, "id"), "f-name");
	ck_assert_str_eq(tval_get_str(name, "value"), "<");
	ck_assert_str_eq(tval_get_str(name, "error"),
	    "Name must be at least 2 characters.");
	ck_assert_str_eq(tval_get_str(name, "error_id"), "f-name-error");
	ck_assert_str_eq(tval_get_str(name, "describedby"), "f-name-error");
	ck_assert_str_eq(tval_get_str(name, "input"), "text");
	ck_assert_str_eq(tval_get_str(pw, "input"), "password");
	ck_assert_str_eq(tval_get_str(pw, "value"), "");
	/* Only the country field is shown as the list of countries. */
	ck_assert(!tval_truthy(tval_get(name, "country_select")));
	ck_assert_int_eq(tval_get(name, "country_select")->type, TVAL_BOOL);
	ck_assert(tval_truthy(tval_get(
	    t->u.c.head->next->next->next->next->val, "country_select")));
	ck_assert_str_eq(tval_get_str(
	    t->u.c.head->next->next->next->next->val, "name"), "cc");
}
END_TEST

static const struct form_field stock_fields[] = {
	{ "amount", "Amount", FORM_INT, FORM_REQUIRED, -1000, 1000, NULL,
	  NULL, NULL },
	{ "count", "Count", FORM_INT, 0, 0, 10, NULL, NULL, NULL },
	{ "image", "Image", FORM_FILE, FORM_REQUIRED, 0, 0, NULL, NULL, NULL },
};

static struct form
read_stock(const char *amount, const char *count, bool *ok)
{
	struct kvlist	l;
	struct form	f;

	l.v = arena_calloc(a, 3, sizeof(*l.v));
	l.n = 0;
	l.v[l.n].key = "amount";
	l.v[l.n].val = amount;
	l.v[l.n++].vlen = strlen(amount);
	l.v[l.n].key = "count";
	l.v[l.n].val = count;
	l.v[l.n++].vlen = strlen(count);
	/* A text field named as the file is not taken for it. */
	l.v[l.n].key = "image";
	l.v[l.n].val = "not a file";
	l.v[l.n++].vlen = strlen("not a file");
	form_init(&f, a, stock_fields, 3);
	*ok = form_read(&f, a, &l);
	return f;
}

/* Negative integers where the range has them, and only there. */
START_TEST(negative_integers)
{
	struct form	f;
	bool		ok;

	f = read_stock("-12", "3", &ok);
	ck_assert(ok);
	ck_assert_int_eq(form_int(&f, "amount"), -12);
	ck_assert_str_eq(form_str(&f, "image"), "");
	f = read_stock("-1001", "3", &ok);
	ck_assert(!ok);
	ck_assert_str_eq(form_field_error(&f, "amount"),
	    "Enter a whole number from -1000 to 1000.");
	f = read_stock("--1", "-0", &ok);
	ck_assert(!ok);
	ck_assert_ptr_nonnull(form_field_error(&f, "amount"));
	ck_assert_str_eq(form_field_error(&f, "count"),
	    "Enter a whole number from 0 to 10.");
	f = read_stock("- 1", "1", &ok);
	ck_assert(!ok);
	f = read_stock("-", "1", &ok);
	ck_assert(!ok);
	f = read_stock("+5", "1", &ok);
	ck_assert(!ok);
	f = read_stock("-0", "1", &ok);
	ck_assert(ok);
	ck_assert_int_eq(form_int(&f, "amount"), 0);
}
END_TEST

/* Files and prefixed ids, for the back office's pages of many forms. */
START_TEST(files_and_prefixes)
{
	struct form	 f;
	struct tval	*t, *amount, *image;
	bool		 ok;

	f = read_stock("1", "1", &ok);
	ck_assert(ok);
	form_prefix(&f, "v12-");
	form_error(&f, "image", "Choose an image.");
	t = form_tval(a, &f);
	amount = t->u.c.head->val;
	image = t->u.c.head->next->next->val;
	ck_assert_str_eq(tval_get_str(amount, "id"), "f-v12-amount");
	ck_assert_str_eq(tval_get_str(image, "input"), "file");
	ck_assert_str_eq(tval_get_str(image, "value"), "");
	ck_assert_str_eq(tval_get_str(image, "error_id"), "f-v12-image-error");
	ck_assert(tval_truthy(tval_get(image, "required")));
	ck_assert_str_eq(form_field_id(a, &f, 2), "f-v12-image");
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("form");
	TCase	*t = tcase_create("form");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, patterns);
	tcase_add_test(t, valid);
	tcase_add_test(t, invalid);
	tcase_add_test(t, required_and_form_errors);
	tcase_add_test(t, set_prefills);
	tcase_add_test(t, tval_for_templates);
	tcase_add_test(t, negative_integers);
	tcase_add_test(t, files_and_prefixes);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
