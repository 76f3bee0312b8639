/*
 * shopctl error-pages: the pages the web servers send by themselves.
 *
 *   shopctl error-pages DIR
 *
 * lighttpd and Apache answer some requests without a program: a body
 * over the limit (413), a request they cannot read (400), a program that
 * is down or was killed mid-request (500, 502, 503, 504). Their own pages
 * for these are bare; the configurations in httpd-conf/ send these
 * instead (server.errorfile-prefix, ErrorDocument), rendered here from
 * the shop's templates with its name (SHOP_NAME), so they look like every
 * other page. make writes them into build/errors/; after changing the
 * templates or SHOP_NAME an installation runs this again.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/tmpl.h"
#include "app/page.h"
#include "shopctl.h"

/* The statuses lighttpd and Apache may answer by themselves. */
static const int statuses[] = { 400, 403, 404, 413, 500, 502, 503, 504 };

/* Write b into dir/<status>.html by a temporary file renamed into place. */
static int
write_page(const char *dir, int status, const struct buf *b)
{
	char	 path[4096], tmp[4200];
	FILE	*f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%d.html", dir, status) >=
	    sizeof(path)) {
		ctl_err("%s: the directory name is too long", dir);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL) {
		ctl_err("%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0) {
		ctl_err("%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (chmod(tmp, 0644) != 0 || rename(tmp, path) != 0) {
		ctl_err("%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
ctl_error_pages(struct ctl *c, int argc, char **argv)
{
	struct tmpl_set	*t;
	struct buf	 b = { 0 };
	char		 err[512];
	size_t		 i;
	int		 rc = 0;

	if (argc != 2 || *argv[1] == '\0') {
		fputs("usage: shopctl error-pages DIR\n", stderr);
		return 2;
	}
	if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
		ctl_err("%s: %s", argv[1], strerror(errno));
		return 1;
	}
	if ((t = tmpl_load_dir(c->cfg.template_dir, err, sizeof(err))) ==
	    NULL) {
		ctl_err("templates: %s", err);
		return 1;
	}
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		buf_reset(&b);
		if (page_server_error(t, &c->cfg, statuses[i], &b) != 0) {
			ctl_err("the error template failed to render %d",
			    statuses[i]);
			rc = 1;
			break;
		}
		if (write_page(argv[1], statuses[i], &b) != 0) {
			rc = 1;
			break;
		}
		ctl_say(c, "  %s/%d.html\n", argv[1], statuses[i]);
	}
	buf_free(&b);
	tmpl_set_free(t);
	return rc;
}
