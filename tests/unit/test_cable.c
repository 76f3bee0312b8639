/*
 * Unit tests: cable.db (channel names, publish, read since an id, the
 * newest id, data_version, trim by age with ids never reused).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "data/db.h"
#include "data/migrate.h"
#include "side/cable.h"
#include "side/queue.h"

static char		 dir[64];
static struct db	*c, *c2;

static void
setup(void)
{
	char	err[256];

	snprintf(dir, sizeof(dir), "/tmp/shop-cable-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	c = db_open(dir, DB_CABLE, DB_OPEN_CREATE, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_ge(migrate_apply(c, NULL, NULL, err, sizeof(err)), 1);
	c2 = db_open(dir, DB_CABLE, 0, err, sizeof(err));
	ck_assert_msg(c2 != NULL, "%s", err);
}

static void
teardown(void)
{
	char	cmd[128];

	db_close(c);
	db_close(c2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Collects "id event data;" for each message read. */
static int
collect(const struct cable_msg *m, void *arg)
{
	buf_printf(arg, "%lld %s %s;", m->id, m->event, m->data);
	return 0;
}

START_TEST(channels)
{
	long long	id;

	ck_assert_int_eq(cable_channel_parse("product:7", &id), CABLE_PRODUCT);
	ck_assert_int_eq(id, 7);
	ck_assert_int_eq(cable_channel_parse("order:123456789012345678", &id),
	    CABLE_ORDER);
	ck_assert_int_eq(id, 123456789012345678LL);
	ck_assert_int_eq(cable_channel_parse("admin", &id), CABLE_ADMIN);
	ck_assert_int_eq(id, 0);
	ck_assert_int_eq(cable_channel_parse("order:", &id),
	    CABLE_CHANNEL__MAX);
	ck_assert_int_eq(cable_channel_parse("order:07", &id),
	    CABLE_CHANNEL__MAX);
	ck_assert_int_eq(cable_channel_parse("order:1234567890123456789", &id),
	    CABLE_CHANNEL__MAX);
	ck_assert_int_eq(cable_channel_parse("order:-1", &id),
	    CABLE_CHANNEL__MAX);
	ck_assert_int_eq(cable_channel_parse("order:1x", &id),
	    CABLE_CHANNEL__MAX);
	ck_assert_int_eq(cable_channel_parse("admin:1", &id),
	    CABLE_CHANNEL__MAX);
	ck_assert_int_eq(cable_channel_parse("", &id), CABLE_CHANNEL__MAX);
	ck_assert_int_eq(cable_channel_parse(NULL, &id), CABLE_CHANNEL__MAX);
	ck_assert(cable_event_ok("stock"));
	ck_assert(cable_event_ok("order.paid-2_x"));
	ck_assert(!cable_event_ok(""));
	ck_assert(!cable_event_ok("a b"));
	ck_assert(!cable_event_ok("a\nb"));
	ck_assert(!cable_event_ok("a:b"));
}
END_TEST

START_TEST(publish_and_read)
{
	struct buf	b = { 0 };

	ck_assert_int_eq(cable_last_id(c), 0);
	ck_assert_int_eq(cable_publish(c, "order:1", "order",
	    "{\"state\":\"paid\"}", 0), 1);
	ck_assert_int_eq(cable_publish(c, "product:2", NULL,
	    "{\"stock\":3}", 0), 2);
	ck_assert_int_eq(cable_publish(c, "order:1", NULL, "{\"n\":3}", 0), 3);
	/* Refused: bad channel, event, data; a relayed row taken in once. */
	ck_assert_int_eq(cable_publish(c, "order:x", NULL, "{}", 0), -1);
	ck_assert_int_eq(cable_publish(c, "order:1", "a b", "{}", 0), -1);
	ck_assert_int_eq(cable_publish(c, "order:1", NULL, "[1]", 0), -1);
	ck_assert_int_eq(cable_publish(c, "order:1", NULL, "{", 0), -1);
	ck_assert_int_eq(cable_publish(c, "admin", NULL, "{}", 77), 4);
	ck_assert_int_eq(cable_publish(c, "admin", NULL, "{}", 77), 0);
	/* A refused insert may use up an id; ids still only grow. */
	ck_assert_int_ge(cable_last_id(c), 4);

	ck_assert_int_eq(cable_read(c, "order:1", 0, 100, collect, &b), 2);
	ck_assert_str_eq(buf_str(&b), "1 order {\"state\":\"paid\"};"
	    "3 message {\"n\":3};");
	buf_reset(&b);
	ck_assert_int_eq(cable_read(c, "order:1", 1, 100, collect, &b), 1);
	ck_assert_str_eq(buf_str(&b), "3 message {\"n\":3};");
	buf_reset(&b);
	ck_assert_int_eq(cable_read(c, "order:1", 3, 100, collect, &b), 0);
	ck_assert_int_eq(cable_read(c, "order:1", 0, 1, collect, &b), 1);
	ck_assert_str_eq(buf_str(&b), "1 order {\"state\":\"paid\"};");
	buf_free(&b);
}
END_TEST

START_TEST(data_version)
{
	long long	v = -1;

	ck_assert_int_eq(cable_changed(c, &v), 1);
	ck_assert_int_eq(cable_changed(c, &v), 0);
	/* Its own commits do not count; another connection's do. */
	ck_assert_int_gt(cable_publish(c, "admin", NULL, "{}", 0), 0);
	ck_assert_int_eq(cable_changed(c, &v), 0);
	ck_assert_int_gt(cable_publish(c2, "admin", NULL, "{}", 0), 0);
	ck_assert_int_eq(cable_changed(c, &v), 1);
	ck_assert_int_eq(cable_changed(c, &v), 0);
}
END_TEST

START_TEST(trim)
{
	struct buf	b = { 0 };

	ck_assert_int_eq(cable_publish(c, "order:1", NULL, "{\"a\":1}", 0), 1);
	ck_assert_int_eq(cable_publish(c, "order:1", NULL, "{\"a\":2}", 0), 2);
	ck_assert_int_eq(db_exec(c, "UPDATE messages SET created_at = 1000 "
	    "WHERE id = 1"), 0);
	ck_assert_int_eq(cable_trim(c, 2000), 1);
	ck_assert_int_eq(cable_trim(c, 2000), 0);
	ck_assert_int_eq(cable_read(c, "order:1", 0, 100, collect, &b), 1);
	ck_assert_str_eq(buf_str(&b), "2 message {\"a\":2};");
	ck_assert_int_eq(cable_trim(c, queue_now() + 1000), 1);
	/* Ids are never handed out twice. */
	ck_assert_int_eq(cable_last_id(c), 2);
	ck_assert_int_eq(cable_publish(c, "order:1", NULL, "{}", 0), 3);
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("cable");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, channels);
	tcase_add_test(tc, publish_and_read);
	tcase_add_test(tc, data_version);
	tcase_add_test(tc, trim);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
