/*
 * Template values: the tree a handler builds for a page.
 *
 * The same tree is rendered to HTML by tmpl_render() and to JSON by
 * tval_json(), so a route answers both from one context. Every node and
 * string lives in the arena given at creation; nothing is freed one by one.
 * Maps keep insertion order (it is the order of the JSON output); a map
 * lookup is linear, which suits the few keys of a page context.
 */
#ifndef SHOP_TVAL_H
#define SHOP_TVAL_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;

enum tval_type {
	TVAL_NULL,
	TVAL_BOOL,
	TVAL_INT,
	TVAL_STR,
	TVAL_LIST,
	TVAL_MAP,
	TVAL__MAX
};

extern const char *const tval_type_names[TVAL__MAX];

struct tval_item {
	struct tval_item	*next;
	const char		*key;	/* NULL in a list */
	struct tval		*val;
};

struct tval {
	enum tval_type	 type;
	union {
		bool		 b;
		long long	 i;
		struct {
			const char	*p;	/* NUL-terminated */
			size_t		 len;
		} s;
		struct {
			struct tval_item *head;
			struct tval_item *tail;
			size_t		  n;
		} c;
	} u;
};

struct tval	*tval_null(struct arena *);
struct tval	*tval_bool(struct arena *, bool);
struct tval	*tval_int(struct arena *, long long);
struct tval	*tval_str(struct arena *, const char *);	/* copies */
struct tval	*tval_strn(struct arena *, const char *, size_t); /* copies */
struct tval	*tval_strf(struct arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
struct tval	*tval_list(struct arena *);
struct tval	*tval_map(struct arena *);

/* Containers: the key is copied; a later set of the same key replaces. */
struct tval	*tval_set(struct arena *, struct tval *map, const char *key, struct tval *);
struct tval	*tval_push(struct arena *, struct tval *list, struct tval *);
struct tval	*tval_set_str(struct arena *, struct tval *, const char *, const char *);
struct tval	*tval_set_int(struct arena *, struct tval *, const char *, long long);
struct tval	*tval_set_bool(struct arena *, struct tval *, const char *, bool);
struct tval	*tval_set_map(struct arena *, struct tval *, const char *);  /* new child */
struct tval	*tval_set_list(struct arena *, struct tval *, const char *); /* new child */
struct tval	*tval_push_map(struct arena *, struct tval *list);		/* new child */

/* Lookup of one key in a map (no dotted names); NULL when absent. */
struct tval	*tval_get(const struct tval *map, const char *key);
const char	*tval_get_str(const struct tval *map, const char *key);

/* Truthiness as Mustache sections see it. */
bool		 tval_truthy(const struct tval *);

/* Append the tree as JSON (RFC 8259), strings escaped, UTF-8 kept. */
void		 tval_json(struct buf *, const struct tval *);
void		 json_string(struct buf *, const char *, size_t);

#endif
