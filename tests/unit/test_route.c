/*
 * Unit tests: route tables, named captures, 404 and 405 with Allow.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "web/http.h"
#include "web/route.h"

static int	h_list(struct req *r) { (void)r; return 0; }
static int	h_show(struct req *r) { (void)r; return 0; }
static int	h_add(struct req *r) { (void)r; return 0; }

static const struct route table[] = {
	{ HTTP_BIT(HTTP_GET), "^/products$", h_list, 0 },
	{ HTTP_BIT(HTTP_GET), "^/products/(?<slug>[a-z0-9-]{1,80})$", h_show, 0 },
	{ HTTP_BIT(HTTP_POST) | HTTP_BIT(HTTP_DELETE),
	  "^/cart/items/(?<id>[0-9]{1,9})$", h_add, ROUTE_USER },
};

START_TEST(matches)
{
	struct arena		*a = arena_new();
	char			 err[256];
	struct router		*r = router_new(table, 3, err, sizeof(err));
	const struct route	*rt;
	struct kvlist		 p;
	unsigned		 allow;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(router_match(r, a, HTTP_GET, "/products", &rt, &p,
	    &allow), ROUTE_FOUND);
	ck_assert_ptr_eq(rt->fn, h_list);
	ck_assert_int_eq(router_match(r, a, HTTP_HEAD, "/products/blue-mug",
	    &rt, &p, &allow), ROUTE_FOUND);
	ck_assert_ptr_eq(rt->fn, h_show);
	ck_assert_str_eq(kv_get(&p, "slug"), "blue-mug");
	ck_assert_int_eq(router_match(r, a, HTTP_DELETE, "/cart/items/42",
	    &rt, &p, &allow), ROUTE_FOUND);
	ck_assert_str_eq(kv_get(&p, "id"), "42");
	ck_assert_uint_eq(rt->flags, ROUTE_USER);
	router_free(r);
	arena_free(a);
}
END_TEST

START_TEST(misses)
{
	struct arena		*a = arena_new();
	char			 err[256];
	struct router		*r = router_new(table, 3, err, sizeof(err));
	const struct route	*rt;
	struct kvlist		 p;
	unsigned		 allow;

	ck_assert_int_eq(router_match(r, a, HTTP_GET, "/products/", &rt, &p,
	    &allow), ROUTE_NOT_FOUND);
	ck_assert_int_eq(router_match(r, a, HTTP_GET, "/productsx", &rt, &p,
	    &allow), ROUTE_NOT_FOUND);
	ck_assert_int_eq(router_match(r, a, HTTP_GET, "/products/UPPER", &rt,
	    &p, &allow), ROUTE_NOT_FOUND);
	ck_assert_int_eq(router_match(r, a, HTTP_GET, "/x/products", &rt, &p,
	    &allow), ROUTE_NOT_FOUND);
	ck_assert_int_eq(router_match(r, a, HTTP_POST, "/products", &rt, &p,
	    &allow), ROUTE_BAD_METHOD);
	ck_assert_uint_eq(allow, HTTP_BIT(HTTP_GET) | HTTP_BIT(HTTP_HEAD));
	ck_assert_int_eq(router_match(r, a, HTTP_GET, "/cart/items/7", &rt,
	    &p, &allow), ROUTE_BAD_METHOD);
	ck_assert_uint_eq(allow, HTTP_BIT(HTTP_POST) | HTTP_BIT(HTTP_DELETE));
	ck_assert_int_eq(router_match(r, a, HTTP_METHOD__MAX, "/products",
	    &rt, &p, &allow), ROUTE_BAD_METHOD);
	router_free(r);
	arena_free(a);
}
END_TEST

START_TEST(bad_pattern)
{
	static const struct route bad[] = {
		{ HTTP_BIT(HTTP_GET), "^/(unclosed$", h_list, 0 },
	};
	char	err[256] = "";

	ck_assert_ptr_null(router_new(bad, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "^/(unclosed$"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("route");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, matches);
	tcase_add_test(tc, misses);
	tcase_add_test(tc, bad_pattern);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
