/*
 * Pages: a handler's data rendered in the site layout as HTML, or the same
 * data as JSON when the client asked for it; error pages in both forms.
 */
#ifndef SHOP_PAGE_H
#define SHOP_PAGE_H

#include <stdbool.h>

#include "core/datefmt.h"

struct buf;
struct config;
struct form;
struct req;
struct tmpl_set;
struct tval;

/* A new map for a handler's data, in the request's arena. */
struct tval	*page_data(struct req *);

/*
 * Answer status with data. A JSON client gets data as it is; a browser
 * gets template tmpl rendered with data plus "site" (name, navigation,
 * cart and account state) and "title" from data's "title". Returns 0, or
 * 500 if the template failed to render.
 */
int		 page_render(struct req *, int status, const char *tmpl,
		    struct tval *data);

/*
 * Cached fragments (cache.db): the part of a page that is the same for
 * everyone, stored under a versioned key, wrapped in the layout per
 * request (the layout shows the visitor's cart and name).
 *
 * page_cached() answers from the cache: true when key was there, the
 * page is then rendered with title. Never for JSON clients.
 * page_render_cached() renders the body template tmpl with data, stores
 * it under key (NULL: not stored) for ttl seconds, and answers it in the
 * layout (or data as JSON). Returns as page_render().
 */
bool		 page_cached(struct req *, const char *key, const char *title);
int		 page_render_cached(struct req *, int status, const char *tmpl,
		    struct tval *data, const char *key, int ttl);

/*
 * The same for a page that adds to the layout's <head> (meta tags, a
 * canonical link): head_tmpl is rendered with the same data as tmpl,
 * kept under key with ":head" added, and put in the layout's head
 * block. page_cached_head() answers only when both parts are there.
 */
bool		 page_cached_head(struct req *, const char *key,
		    const char *title);
int		 page_render_cached_head(struct req *, int status,
		    const char *head_tmpl, const char *tmpl, struct tval *data,
		    const char *key, int ttl);

/*
 * Into data, "unpaid": the orders this browser's session placed that
 * still wait for their payment (orders_pending_of_session() in
 * shop/order.h), as {"orders": [{number, url, total, total_formatted,
 * confirming}], "one": bool}; nothing when there are none. The cart and
 * checkout pages show it, so an order whose checkout was cut off (the
 * program killed before the gateway answered) can still be paid.
 */
#define PAGE_UNPAID_MAX		5

void		 page_unpaid_orders(struct req *, struct tval *data);

/*
 * A stored UTC timestamp ("2026-12-03T11:43:19Z") as the shop writes
 * dates (SHOP_LOCALE, SHOP_TIMEZONE; core/datefmt.h), in the request's
 * arena; iso itself when it is not a timestamp.
 */
const char	*page_date(struct req *, const char *iso, enum datefmt_style);

/* A country's name for people ("France"); the code when it has none. */
const char	*page_country(const char *code);

/* Answer data as JSON whatever the client asked. */
void		 page_json(struct req *, int status, const struct tval *);

/*
 * Answer an error: the "error" template (or plain text if templates are
 * not loaded) for browsers, {"ok":false,"status":N,"error":"..."} for
 * JSON clients. message NULL uses a default for the status.
 */
void		 page_error(struct req *, int status, const char *message);

/*
 * The page the web server sends by itself for status when no program
 * answers (a body over its limit, a program down or killed mid-request):
 * the "error" template in the layout, as page_error() renders it, with
 * nothing of any visitor in it and a message that says what to do (an
 * order that was being placed is kept and shown on the cart page),
 * appended to out. shopctl error-pages writes them at build time, for
 * lighttpd's server.errorfile-prefix and Apache's ErrorDocument.
 * Returns 0, or -1 if the template failed to render.
 */
int		 page_server_error(const struct tmpl_set *, const struct config *,
		    int status, struct buf *out);

/*
 * Answer a failed form with status (422, or 429 and the like): JSON
 * clients get {"ok":false,"errors":{...}}; browsers get tmpl rendered
 * with data plus "form" (form_tval), "errors" (the same list of messages
 * with their field ids) and "has_errors". Returns what page_render does.
 */
int		 page_form_fail(struct req *, int status, const char *tmpl,
		    struct tval *data, const struct form *);

#endif
