/*
 * shopctl export products, shopctl import products|shopify: the
 * catalog written as XML and read back, or read from Shopify's product
 * CSV. The work is lib/shop/catalog_io.c's; this reads the arguments,
 * tells the progress and the problems on standard error, and sums up.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/money.h"
#include "data/db.h"
#include "shop/catalog_io.h"
#include "shopctl.h"

/* Who the stock movements of an import are by. */
#define IMPORT_ACTOR	"shopctl import"

static void
export_usage(FILE *f)
{
	fprintf(f, "usage: shopctl export products [-o FILE]\n"
	    "  every category, product, variant and image row as XML\n"
	    "  (share/shopfile/catalog.rng), to FILE or standard output\n"
	    "       shopctl export orders --from DATE --to DATE [--csv] "
	    "[--lines]\n"
	    "  orders for the accountant (see shopctl(8))\n");
}

/*
 * export products [-o FILE]: to FILE through a temporary file renamed
 * into place once whole, so a failed export leaves no half file.
 */
int
ctl_export(struct ctl *c, int argc, char **argv)
{
	struct db	*d;
	const char	*out = NULL;
	char		*tmp = NULL, err[512];
	FILE		*f = stdout;
	long		 n = 0;
	int		 ch, rc;

	if (argc >= 2 && strcmp(argv[1], "orders") == 0)
		return ctl_export_orders(c, argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "products") != 0) {
		export_usage(stderr);
		return 2;
	}
	optind = 0;
	argc--;
	argv++;
	while ((ch = getopt(argc, argv, "o:h")) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return 0;
		default:
			export_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		ctl_err("export: unexpected argument \"%s\"", argv[optind]);
		return 2;
	}
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	if (out != NULL) {
		tmp = arena_printf(c->arena, "%s.tmp", out);
		if ((f = fopen(tmp, "w")) == NULL) {
			ctl_err("export: %s: %s", tmp, strerror(errno));
			return 1;
		}
	}
	rc = catalog_export(d, f, &n, err, sizeof(err));
	if (out != NULL) {
		if (fclose(f) != 0 && rc == 0) {
			snprintf(err, sizeof(err), "%s: %s", tmp,
			    strerror(errno));
			rc = -1;
		}
		if (rc == 0 && rename(tmp, out) != 0) {
			snprintf(err, sizeof(err), "%s: %s", out,
			    strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(tmp);
	}
	if (rc != 0) {
		ctl_err("export: %s", err);
		return 1;
	}
	if (!c->quiet)
		fprintf(stderr, "export: %ld products%s%s\n", n,
		    out ? " to " : "", out ? out : "");
	return 0;
}

static void
import_usage(FILE *f)
{
	fprintf(f, "usage: shopctl import products FILE [--dry-run] "
	    "[--images DIR]\n"
	    "       shopctl import shopify FILE [--dry-run] [--images DIR] "
	    "[--fetch-images]\n"
	    "  read a catalog (XML, or Shopify's product CSV) into the store\n"
	    "  in one transaction: all of it, or nothing when anything is\n"
	    "  wrong; --dry-run says what it would do and writes nothing\n");
}

/* Progress and problems, a line each, on standard error. */
static void
import_note(void *arg, const char *line)
{
	const struct ctl	*c = arg;

	if (c->quiet && strncmp(line, "import: ", 8) == 0)
		return;
	fprintf(stderr, "%s\n", line);
}

static const char *
media_dir(struct ctl *c)
{
	if (c->cfg.media_dir != NULL)
		return c->cfg.media_dir;
	return arena_printf(c->arena, "%s/media", c->cfg.data_dir);
}

int
ctl_import(struct ctl *c, int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "images", required_argument, NULL, 'i' },
		{ "fetch-images", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_opts		 o = { 0 };
	struct import_report		 rep;
	struct db			*d;
	const char			*file;
	int				 ch, i, rc;

	if (argc < 2) {
		import_usage(stderr);
		return 2;
	}
	for (i = 0; i < IMPORT_FORMAT__MAX; i++)
		if (strcmp(argv[1], import_format_names[i]) == 0)
			break;
	if (i == IMPORT_FORMAT__MAX) {
		ctl_err("import: \"%s\" is not products or shopify", argv[1]);
		import_usage(stderr);
		return 2;
	}
	o.format = (enum import_format)i;
	optind = 0;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o.dry_run = true;
			break;
		case 'i':
			o.images_dir = optarg;
			break;
		case 'f':
			if (o.format != IMPORT_SHOPIFY) {
				ctl_err("import: --fetch-images is for shopify "
				    "only");
				return 2;
			}
			o.fetch_images = true;
			break;
		case 'h':
			import_usage(stdout);
			return 0;
		default:
			import_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		import_usage(stderr);
		return 2;
	}
	file = argv[optind];
	if (!money_known(c->cfg.currency)) {
		ctl_err("import: SHOP_CURRENCY %s is not a currency this shop "
		    "can show and charge", c->cfg.currency);
		return 1;
	}
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL)
		return 1;
	o.media_dir = media_dir(c);
	o.currency = c->cfg.currency;
	o.actor = IMPORT_ACTOR;
	o.note = import_note;
	o.note_arg = c;
	rc = catalog_import(d, file, &o, &rep);
	fprintf(stderr, "import%s: %s: %ld products: %ld created, %ld updated, "
	    "%ld unchanged, %ld refused; %ld variants, %ld images (%ld files "
	    "taken in, %ld without a file left out); categories: %ld "
	    "created, %ld updated\n", o.dry_run ? " (dry run)" : "", file,
	    rep.products, rep.created, rep.updated, rep.unchanged, rep.refused,
	    rep.variants, rep.images, rep.images_written, rep.images_skipped,
	    rep.categories_created, rep.categories_updated);
	if (rc != 0) {
		fprintf(stderr, "import: %ld problem%s; nothing was written "
		    "(first: %s)\n", rep.errors, rep.errors == 1 ? "" : "s",
		    rep.error);
		return 1;
	}
	if (o.dry_run)
		fprintf(stderr, "import: dry run: nothing was written\n");
	return 0;
}
