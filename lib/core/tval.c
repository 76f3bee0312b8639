/*
 * Template values and their JSON form.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/tval.h"

const char *const tval_type_names[TVAL__MAX] = {
	"null",
	"bool",
	"int",
	"string",
	"list",
	"map",
};

static struct tval *
tval_new(struct arena *a, enum tval_type t)
{
	struct tval	*v = arena_zalloc(a, sizeof(*v));

	v->type = t;
	return v;
}

struct tval *
tval_null(struct arena *a)
{
	return tval_new(a, TVAL_NULL);
}

struct tval *
tval_bool(struct arena *a, bool b)
{
	struct tval	*v = tval_new(a, TVAL_BOOL);

	v->u.b = b;
	return v;
}

struct tval *
tval_int(struct arena *a, long long i)
{
	struct tval	*v = tval_new(a, TVAL_INT);

	v->u.i = i;
	return v;
}

struct tval *
tval_strn(struct arena *a, const char *s, size_t n)
{
	struct tval	*v = tval_new(a, TVAL_STR);

	v->u.s.p = arena_strndup(a, s, n);
	v->u.s.len = n;
	return v;
}

struct tval *
tval_str(struct arena *a, const char *s)
{
	return tval_strn(a, s ? s : "", s ? strlen(s) : 0);
}

struct tval *
tval_strf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return tval_strn(a, s, strlen(s));
}

struct tval *
tval_list(struct arena *a)
{
	return tval_new(a, TVAL_LIST);
}

struct tval *
tval_map(struct arena *a)
{
	return tval_new(a, TVAL_MAP);
}

static void
tval_append(struct arena *a, struct tval *c, const char *key, struct tval *v)
{
	struct tval_item	*it = arena_alloc(a, sizeof(*it));

	it->next = NULL;
	it->key = key ? arena_strdup(a, key) : NULL;
	it->val = v;
	if (c->u.c.tail)
		c->u.c.tail->next = it;
	else
		c->u.c.head = it;
	c->u.c.tail = it;
	c->u.c.n++;
}

struct tval *
tval_set(struct arena *a, struct tval *map, const char *key, struct tval *v)
{
	struct tval_item	*it;

	for (it = map->u.c.head; it != NULL; it = it->next)
		if (strcmp(it->key, key) == 0) {
			it->val = v;
			return v;
		}
	tval_append(a, map, key, v);
	return v;
}

struct tval *
tval_push(struct arena *a, struct tval *list, struct tval *v)
{
	tval_append(a, list, NULL, v);
	return v;
}

struct tval *
tval_set_str(struct arena *a, struct tval *m, const char *k, const char *s)
{
	return tval_set(a, m, k, tval_str(a, s));
}

struct tval *
tval_set_int(struct arena *a, struct tval *m, const char *k, long long i)
{
	return tval_set(a, m, k, tval_int(a, i));
}

struct tval *
tval_set_bool(struct arena *a, struct tval *m, const char *k, bool b)
{
	return tval_set(a, m, k, tval_bool(a, b));
}

struct tval *
tval_set_map(struct arena *a, struct tval *m, const char *k)
{
	return tval_set(a, m, k, tval_map(a));
}

struct tval *
tval_set_list(struct arena *a, struct tval *m, const char *k)
{
	return tval_set(a, m, k, tval_list(a));
}

struct tval *
tval_push_map(struct arena *a, struct tval *list)
{
	return tval_push(a, list, tval_map(a));
}

struct tval *
tval_get(const struct tval *map, const char *key)
{
	const struct tval_item	*it;

	if (map == NULL || map->type != TVAL_MAP)
		return NULL;
	for (it = map->u.c.head; it != NULL; it = it->next)
		if (strcmp(it->key, key) == 0)
			return it->val;
	return NULL;
}

const char *
tval_get_str(const struct tval *map, const char *key)
{
	const struct tval	*v = tval_get(map, key);

	return v != NULL && v->type == TVAL_STR ? v->u.s.p : NULL;
}

/*
 * Mustache's falsey values: null, false, the empty list. An empty string
 * is falsey too, as in most implementations, so "{{#note}}" hides an
 * empty note.
 */
bool
tval_truthy(const struct tval *v)
{
	if (v == NULL)
		return false;
	switch (v->type) {
	case TVAL_NULL:
		return false;
	case TVAL_BOOL:
		return v->u.b;
	case TVAL_STR:
		return v->u.s.len > 0;
	case TVAL_LIST:
		return v->u.c.n > 0;
	default:
		return true;
	}
}

/*
 * RFC 8259 section 7: quote, backslash and control characters are escaped;
 * everything else, UTF-8 included, passes through. "<", ">" and "&" are
 * escaped as well so that JSON can never close a script element it is
 * embedded in.
 */
void
json_string(struct buf *b, const char *s, size_t n)
{
	size_t	i, start = 0;
	char	esc[8];

	buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;

		switch (c) {
		case '"':  rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			if (c < 0x20 || c == '<' || c == '>' || c == '&') {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				rep = esc;
			}
		}
		if (rep == NULL)
			continue;
		buf_append(b, s + start, i - start);
		buf_puts(b, rep);
		start = i + 1;
	}
	buf_append(b, s + start, n - start);
	buf_putc(b, '"');
}

void
tval_json(struct buf *b, const struct tval *v)
{
	const struct tval_item	*it;

	if (v == NULL) {
		buf_puts(b, "null");
		return;
	}
	switch (v->type) {
	case TVAL_NULL:
		buf_puts(b, "null");
		break;
	case TVAL_BOOL:
		buf_puts(b, v->u.b ? "true" : "false");
		break;
	case TVAL_INT:
		buf_printf(b, "%lld", v->u.i);
		break;
	case TVAL_STR:
		json_string(b, v->u.s.p, v->u.s.len);
		break;
	case TVAL_LIST:
		buf_putc(b, '[');
		for (it = v->u.c.head; it != NULL; it = it->next) {
			tval_json(b, it->val);
			if (it->next)
				buf_putc(b, ',');
		}
		buf_putc(b, ']');
		break;
	case TVAL_MAP:
		buf_putc(b, '{');
		for (it = v->u.c.head; it != NULL; it = it->next) {
			json_string(b, it->key, strlen(it->key));
			buf_putc(b, ':');
			tval_json(b, it->val);
			if (it->next)
				buf_putc(b, ',');
		}
		buf_putc(b, '}');
		break;
	default:
		buf_puts(b, "null");
		break;
	}
}
