/*
 * Mustache templates (https://mustache.github.io/mustache.5.html), the
 * core modules of the specification plus inheritance (parents and blocks),
 * which is how pages share a layout.
 *
 * A set is compiled once per process, from a directory or from strings,
 * and is read-only afterwards, so threads may render from one set at once.
 * "{{name}}" escapes for HTML; "{{{name}}}" and "{{&name}}" do not and are
 * only for values that are already safe HTML.
 */
#ifndef SHOP_TMPL_H
#define SHOP_TMPL_H

#include <stddef.h>

struct buf;
struct tval;
struct tmpl_set;

/*
 * A new, empty set. Never NULL (allocation failure aborts).
 */
struct tmpl_set	*tmpl_set_new(void);
void		 tmpl_set_free(struct tmpl_set *);

/*
 * Compile src (len bytes, need not be NUL-terminated) under name, which is
 * how partials and parents refer to it. Returns 0, or -1 with a message of
 * the form "name:line: what is wrong" in err.
 */
int		 tmpl_add(struct tmpl_set *, const char *name,
		    const char *src, size_t len, char *err, size_t errlen);

/*
 * Compile every "*.mustache" file under dir, recursively; a file
 * "dir/a/b.mustache" is named "a/b". Returns the set, or NULL with the
 * first error in err.
 */
struct tmpl_set	*tmpl_load_dir(const char *dir, char *err, size_t errlen);

/* Whether name was added to the set. */
int		 tmpl_exists(const struct tmpl_set *, const char *name);

/*
 * Render the template name with ctx as the root of the context stack,
 * appending to out. A missing partial renders as empty (as the
 * specification says). Returns 0, or -1 if name is not in the set or the
 * nesting of partials and parents exceeds SHOP_MAX_TEMPLATE_DEPTH.
 */
int		 tmpl_render(const struct tmpl_set *, const char *name,
		    const struct tval *ctx, struct buf *out);

#endif
