/*
 * libFuzzer target for the template engine: the input is compiled as a
 * template and, when it compiles, rendered against a fixed context that
 * has every kind of value, beside a partial and a layout it can include
 * or inherit from. Everything is freed before returning, so leaks show.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/tmpl.h"
#include "core/tval.h"

/* The space keeps the input from naming itself in a partial tag. */
#define FUZZ_NAME	"fuzz input"

static const char item[] =
    "<li>{{name}}{{$price}} {{price}}{{/price}}</li>\n";

static const char layout[] =
    "<title>{{$title}}Shop{{/title}}</title>\n"
    "<main>\n"
    "  {{$main}}\n"
    "  <p>{{title}}</p>\n"
    "  {{/main}}\n"
    "</main>\n"
    "{{#items}}\n"
    "  {{>item}}\n"
    "{{/items}}\n";

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * Strings with HTML in them, an integer, booleans, null, a list of maps,
 * a list of strings, an empty list and maps nested two deep.
 */
static struct tval *
context(struct arena *a)
{
	struct tval	*root = tval_map(a), *list, *m;

	tval_set_str(a, root, "title", "<Tea & \"cake\"> for 'two' `now`=");
	tval_set_str(a, root, "html", "<b>bold</b>");
	tval_set_int(a, root, "count", 3);
	tval_set_bool(a, root, "yes", true);
	tval_set_bool(a, root, "no", false);
	tval_set(a, root, "none", tval_null(a));

	list = tval_set_list(a, root, "items");
	m = tval_push_map(a, list);
	tval_set_str(a, m, "name", "a<b");
	tval_set_int(a, m, "price", 120);
	m = tval_push_map(a, list);
	tval_set_str(a, m, "name", "");
	tval_set_int(a, m, "price", 0);
	m = tval_push_map(a, list);
	tval_set_str(a, m, "name", "third");
	m = tval_set_list(a, m, "tags");
	tval_push(a, m, tval_str(a, "x"));
	tval_push(a, m, tval_str(a, "y&z"));

	list = tval_set_list(a, root, "words");
	tval_push(a, list, tval_str(a, "one"));
	tval_push(a, list, tval_str(a, "two"));
	tval_set_list(a, root, "empty");

	m = tval_set_map(a, root, "user");
	tval_set_str(a, m, "name", "ann");
	m = tval_set_map(a, m, "address");
	tval_set_str(a, m, "city", "Paris & Co");
	return root;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl_set	*set = tmpl_set_new();
	struct arena	*a;
	struct buf	 out = { NULL, 0, 0 };
	char		 err[256];

	if (tmpl_add(set, "item", item, strlen(item), err, sizeof(err)) ==
	    -1 || tmpl_add(set, "layout", layout, strlen(layout), err,
	    sizeof(err)) == -1)
		abort();
	if (tmpl_add(set, FUZZ_NAME, (const char *)data, size, err,
	    sizeof(err)) == 0) {
		a = arena_new();
		(void)tmpl_render(set, FUZZ_NAME, context(a), &out);
		buf_free(&out);
		arena_free(a);
	}
	tmpl_set_free(set);
	return 0;
}
