/*
 * Pages: a handler's data rendered in the site layout as HTML, or the same
 * data as JSON when the client asked for it; error pages in both forms.
 */
#ifndef SHOP_PAGE_H
#define SHOP_PAGE_H

struct req;
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

/* Answer data as JSON whatever the client asked. */
void		 page_json(struct req *, int status, const struct tval *);

/*
 * Answer an error: the "error" template (or plain text if templates are
 * not loaded) for browsers, {"ok":false,"status":N,"error":"..."} for
 * JSON clients. message NULL uses a default for the status.
 */
void		 page_error(struct req *, int status, const char *message);

#endif
