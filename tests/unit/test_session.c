/*
 * Unit tests: session ids and their hashes, sweeping ended sessions, and
 * the cart functions a session uses (adding against stock, merging at
 * log-in).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/arena.h"
#include "data/db.h"
#include "data/migrate.h"
#include "shop/cart.h"
#include "shop/session.h"

static char		 dir[64];
static struct db	*d;
static struct arena	*a;

static void
exec(const char *sql)
{
	ck_assert_int_eq(sqlite3_exec(db_handle(d), sql, NULL, NULL, NULL),
	    SQLITE_OK);
}

static long long
one(const char *sql)
{
	sqlite3_stmt	*st;
	long long	 v;

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(d), sql, -1, &st, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
setup(void)
{
	char	err[256];

	ck_assert_int_ge(sodium_init(), 0);
	snprintf(dir, sizeof(dir), "/tmp/shop-session-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	d = db_open(dir, DB_PRIMARY, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(d != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(d, NULL, NULL, err, sizeof(err)), 1);
	a = arena_new();
	exec("INSERT INTO products (id, slug, name) VALUES (1, 'p', 'P');"
	    "INSERT INTO variants (id, product_id, sku, price, currency, stock)"
	    " VALUES (1, 1, 'A', 100, 'EUR', 5), (2, 1, 'B', 200, 'EUR', 0),"
	    " (3, 1, 'C', 300, 'EUR', 200);"
	    "INSERT INTO users (id, email, name, password_hash, created_at,"
	    " updated_at) VALUES (1, 'u@example.com', 'U', '$argon2id$x', 0, 0);"
	    "INSERT INTO sessions (id, id_hash, user_id, created_at, seen_at)"
	    " VALUES (1, zeroblob(32), NULL, unixepoch(), unixepoch()),"
	    " (2, randomblob(32), 1, unixepoch(), unixepoch()),"
	    " (3, randomblob(32), 1, unixepoch(), unixepoch());");
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(d);
	arena_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(ids)
{
	char		 id[SESSION_ID_LEN + 1], id2[SESSION_ID_LEN + 1], bad[64];
	unsigned char	 h[SESSION_HASH_BYTES], h2[SESSION_HASH_BYTES];
	size_t		 i;

	session_new_id(id);
	session_new_id(id2);
	ck_assert_uint_eq(strlen(id), SESSION_ID_LEN);
	ck_assert_str_ne(id, id2);
	for (i = 0; i < SESSION_ID_LEN; i++)
		ck_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_", id[i]) != NULL);
	ck_assert(session_id_hash(id, h));
	ck_assert(session_id_hash(id, h2));
	ck_assert_mem_eq(h, h2, sizeof(h));
	ck_assert(session_id_hash(id2, h2));
	ck_assert(memcmp(h, h2, sizeof(h)) != 0);
	/* 43 "A"s decode to zeros: its hash is SHA-256 of 32 zero bytes. */
	ck_assert(session_id_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    h));
	ck_assert_uint_eq(h[0], 0x66);
	ck_assert_uint_eq(h[1], 0x68);
	ck_assert_uint_eq(h[31], 0x25);

	ck_assert(!session_id_hash(NULL, h));
	ck_assert(!session_id_hash("", h));
	snprintf(bad, sizeof(bad), "%.42s", id);
	ck_assert(!session_id_hash(bad, h));
	snprintf(bad, sizeof(bad), "%sA", id);
	ck_assert(!session_id_hash(bad, h));
	snprintf(bad, sizeof(bad), "%.42s=", id);
	ck_assert(!session_id_hash(bad, h));
	snprintf(bad, sizeof(bad), "%.42s+", id);
	ck_assert(!session_id_hash(bad, h));
	/* The last character's two spare bits must be zero: "B" is 000001. */
	ck_assert(!session_id_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
	    h));
	ck_assert(session_id_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE",
	    h));
}
END_TEST

START_TEST(sweep)
{
	long long	now = (long long)time(NULL);

	exec("UPDATE sessions SET seen_at = seen_at - 8 * 86400 WHERE id = 1;"
	    "UPDATE sessions SET created_at = created_at - 31 * 86400 "
	    "WHERE id = 2;"
	    "INSERT INTO carts (id, session_id, created_at, updated_at) "
	    "VALUES (1, 1, 0, 0);"
	    "INSERT INTO cart_items VALUES (1, 1, 1, 0);");
	ck_assert_int_eq(session_sweep(d, now, 1), 1);
	ck_assert_int_eq(session_sweep(d, now, 100), 1);
	ck_assert_int_eq(session_sweep(d, now, 100), 0);
	ck_assert_int_eq(one("SELECT group_concat(id) FROM sessions"), 3);
	/* The guest cart went with its session. */
	ck_assert_int_eq(one("SELECT count(*) FROM cart_items"), 0);
}
END_TEST

START_TEST(end_all)
{
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(session_end_all(d, 1, 3), 1);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(one("SELECT count(*) FROM sessions"), 2);
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(session_end_all(d, 1, 0), 1);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(one("SELECT count(*) FROM sessions WHERE user_id = 1"),
	    0);
}
END_TEST

START_TEST(cart_changes)
{
	struct session	 s = { .id = 1 };
	struct cart	 c;
	long long	 avail;

	ck_assert_int_eq(cart_add(d, &s, 1, 3, &avail), CART_OK);
	ck_assert_int_eq(s.cart_count, 3);
	ck_assert_int_eq(cart_add(d, &s, 1, 3, &avail), CART_OVER_STOCK);
	ck_assert_int_eq(avail, 2);
	ck_assert_int_eq(cart_add(d, &s, 2, 1, &avail), CART_SOLD_OUT);
	ck_assert_int_eq(cart_add(d, &s, 9, 1, &avail), CART_NO_VARIANT);
	ck_assert_int_eq(cart_add(d, &s, 3, 100, &avail), CART_OVER_MAX);
	ck_assert_int_eq(cart_add(d, &s, 3, 0, &avail), CART_ERROR);
	ck_assert_int_eq(cart_add(d, &s, 3, 99, &avail), CART_OK);
	ck_assert_int_eq(cart_add(d, &s, 3, 1, &avail), CART_OVER_MAX);
	ck_assert_int_eq(cart_set(d, &s, 3, 2, &avail), CART_OK);
	ck_assert_int_eq(cart_set(d, &s, 2, 1, &avail), CART_NOT_IN_CART);
	ck_assert_int_eq(cart_set(d, &s, 1, 6, &avail), CART_OVER_STOCK);
	ck_assert_int_eq(avail, 5);
	ck_assert_int_eq(s.cart_count, 5);
	ck_assert_int_eq(cart_check(d, a, &s, &c), 0);
	ck_assert_uint_eq(c.nlines, 2);
	ck_assert_int_eq(c.subtotal, 3 * 100 + 2 * 300);
	exec("UPDATE variants SET stock = 2 WHERE id = 1");
	ck_assert_int_eq(cart_check(d, a, &s, &c), 1);
	ck_assert_int_eq(c.lines[0].state, CART_LINE_SHORT);
	ck_assert_int_eq(c.subtotal, 2 * 300);
	ck_assert_int_eq(cart_remove(d, &s, 1), CART_OK);
	ck_assert_int_eq(cart_remove(d, &s, 1), CART_NOT_IN_CART);
	ck_assert_int_eq(cart_empty(d, &s), 0);
	ck_assert_int_eq(cart_count(d, &s), 0);
}
END_TEST

START_TEST(line_limit)
{
	struct session	s = { .id = 1 };
	char		sql[256];
	int		i;

	for (i = 0; i < CART_MAX_LINES; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO variants (id, "
		    "product_id, sku, price, currency, stock) VALUES (%d, 1, "
		    "'S%d', 1, 'EUR', 9)", 100 + i, i);
		exec(sql);
		ck_assert_int_eq(cart_add(d, &s, 100 + i, 1, NULL), CART_OK);
	}
	ck_assert_int_eq(cart_add(d, &s, 1, 1, NULL), CART_TOO_MANY_LINES);
	ck_assert_int_eq(cart_add(d, &s, 100, 1, NULL), CART_OK);
}
END_TEST

START_TEST(merge)
{
	struct session	guest = { .id = 1 }, user = { .id = 2, .user_id = 1 };
	struct cart	c;

	ck_assert_int_eq(cart_add(d, &user, 1, 2, NULL), CART_OK);
	ck_assert_int_eq(cart_add(d, &user, 3, 98, NULL), CART_OK);
	ck_assert_int_eq(cart_add(d, &guest, 1, 4, NULL), CART_OK);
	ck_assert_int_eq(cart_add(d, &guest, 3, 5, NULL), CART_OK);
	exec("INSERT INTO cart_items (cart_id, variant_id, quantity, added_at) "
	    "SELECT id, 2, 3, 0 FROM carts WHERE session_id = 1");
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(cart_merge(d, 1, 1), 0);
	ck_assert_int_eq(db_commit(d), 0);
	ck_assert_int_eq(cart_load(d, a, &user, &c), 0);
	ck_assert_uint_eq(c.nlines, 3);
	/*
	 * The customer's lines first, then the guest's new one: 2 + 4
	 * capped at the stock of 5, 98 + 5 capped at 99, the sold-out line
	 * kept as 1.
	 */
	ck_assert_int_eq(c.lines[0].variant_id, 1);
	ck_assert_int_eq(c.lines[0].quantity, 5);
	ck_assert_int_eq(c.lines[1].variant_id, 3);
	ck_assert_int_eq(c.lines[1].quantity, 99);
	ck_assert_int_eq(c.lines[2].variant_id, 2);
	ck_assert_int_eq(c.lines[2].quantity, 1);
	ck_assert_int_eq(c.lines[2].state, CART_LINE_SOLD_OUT);
	ck_assert_int_eq(one("SELECT count(*) FROM carts WHERE session_id = 1"),
	    0);
	/* Nothing to merge is fine too. */
	ck_assert_int_eq(db_begin(d), 0);
	ck_assert_int_eq(cart_merge(d, 1, 1), 0);
	ck_assert_int_eq(db_commit(d), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite	*s = suite_create("session");
	TCase	*t = tcase_create("session");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, ids);
	tcase_add_test(t, sweep);
	tcase_add_test(t, end_all);
	tcase_add_test(t, cart_changes);
	tcase_add_test(t, line_limit);
	tcase_add_test(t, merge);
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
