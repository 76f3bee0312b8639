/*
 * Product images, for administrators:
 *
 *   POST /admin/products/{id}/images       multipart/form-data: "image"
 *                                          (the file) and "alt" (what it
 *                                          shows); a ROUTE_UPLOAD route
 *   POST /admin/products/{id}/images/{image_id}/move    direction=up|down,
 *                                          or position=N (1: the product's
 *                                          picture)
 *   POST /admin/products/{id}/images/{image_id}/delete  the row and its
 *                                          files
 *
 * An upload is checked and written by image_ingest() (ext/image.h: by
 * its content only, JPEG, PNG or WebP, within the bounds of core/
 * limits.h, its metadata stripped, at a few widths as WebP and JPEG)
 * into products/ of the media directory, under a base name of its own,
 * outside any transaction; then its row and the admin log's are written
 * in one. If that write fails, the files are removed again: a refused
 * upload leaves neither a row nor a file. A deleted image's files are
 * removed once its deletion has committed.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/tval.h"
#include "data/db.h"
#include "ext/image.h"
#include "web/ctx.h"
#include "web/form.h"
#include "web/http.h"
#include "shop/adminlog.h"
#include "shop/catalog.h"
#include "shop/catalog_edit.h"
#include "admin.h"

/* Uploads go to this folder of the media directory. */
#define IMAGE_FOLDER	"products"

_Static_assert(IMAGE_MAX_BYTES == 10 * 1024 * 1024,
    "the image field's hint says 10 MB");
_Static_assert(IMAGE_MAX_SIZES <= CATALOG_IMAGE_WIDTHS,
    "an image row holds every width image_ingest() writes");

static const struct form_field image_fields[] = {
	{ "image", "Image file", FORM_FILE, FORM_REQUIRED, 0, 0, NULL,
	  "A JPEG, PNG or WebP photo of up to 10 MB; it is resized for the "
	  "shop and its camera data (place, time) taken out.", NULL },
	{ "alt", "What the image shows", FORM_TEXT, FORM_REQUIRED, 1,
	  CATALOG_IMAGE_ALT_MAX, "off",
	  "For people who cannot see it: \"The mug in blue, from the side\".",
	  NULL },
};

static const char *const direction_choices[] = {
	"up", "Up",
	"down", "Down",
	NULL,
};

static const struct form_field move_fields[] = {
	{ "direction", "Direction", FORM_CHOICE, FORM_HIDDEN, 0, 0, NULL,
	  NULL, "Move an image up or down." },
	{ "position", "Position", FORM_INT, FORM_HIDDEN, 1,
	  CATALOG_POSITION_MAX, NULL, NULL,
	  "Give a position of 1 or more: 1 is the product's picture." },
};

void
admin_image_form(struct arena *a, struct form *f)
{
	form_init(f, a, image_fields, nitems(image_fields));
}

struct tval *
admin_image_tval(struct arena *a, const struct image_row *im)
{
	struct tval	*m = tval_map(a), *l;
	size_t		 i;

	tval_set_int(a, m, "id", im->id);
	tval_set_int(a, m, "product_id", im->product_id);
	tval_set_str(a, m, "path", im->image.path);
	/* Paths hold only characters an address may (image_add()). */
	tval_set(a, m, "url", tval_strf(a, "/media/%s", im->image.path));
	tval_set_str(a, m, "alt", im->image.alt);
	tval_set_int(a, m, "width", im->image.width);
	tval_set_int(a, m, "height", im->image.height);
	tval_set_int(a, m, "position", im->position);
	if (im->image.nwidths > 0) {
		tval_set_str(a, m, "srcset", image_srcset(a, &im->image,
		    ".jpg"));
		tval_set_str(a, m, "srcset_webp", image_srcset(a, &im->image,
		    ".webp"));
		l = tval_set_list(a, m, "widths");
		for (i = 0; i < im->image.nwidths; i++)
			tval_push(a, l, tval_int(a, im->image.widths[i]));
	}
	return m;
}

/* The image row as the admin log keeps it. */
static struct tval *
image_log(struct arena *a, const struct image_row *im)
{
	struct tval	*m = tval_map(a), *l;
	size_t		 i;

	tval_set_int(a, m, "product_id", im->product_id);
	tval_set_str(a, m, "path", im->image.path);
	tval_set_str(a, m, "alt", im->image.alt);
	tval_set_int(a, m, "width", im->image.width);
	tval_set_int(a, m, "height", im->image.height);
	tval_set_int(a, m, "position", im->position);
	if (im->image.base != NULL) {
		tval_set_str(a, m, "base", im->image.base);
		l = tval_set_list(a, m, "widths");
		for (i = 0; i < im->image.nwidths; i++)
			tval_push(a, l, tval_int(a, im->image.widths[i]));
	}
	return m;
}

/* The upload of a field, or NULL. */
static const struct upload *
upload_of(const struct req *r, const char *field)
{
	size_t	i;

	for (i = 0; i < r->nuploads; i++)
		if (strcmp(r->uploads[i].field, field) == 0)
			return &r->uploads[i];
	return NULL;
}

/* What a person is told of an upload image_ingest() refused. */
static const char *
upload_message(struct arena *a, enum image_err e, const char *err)
{
	char	*s;

	switch (e) {
	case IMAGE_ERR_EMPTY:
		return "The file is empty.";
	case IMAGE_ERR_BYTES:
		return "The file is larger than the 10 MB an image may be.";
	case IMAGE_ERR_FORMAT:
		return "The file is not a JPEG, PNG or WebP image (GIF, HEIC, "
		    "SVG and other formats are not taken).";
	case IMAGE_ERR_CORRUPT:
		return "The image is truncated or damaged; save it again and "
		    "upload that.";
	default:
		/* The bounds on its sides and pixels, with its own size. */
		s = arena_printf(a, "%s.", err);
		s[0] = (char)toupper((unsigned char)s[0]);
		return s;
	}
}

/* The directory of an image's files: the media directory's dir part. */
static const char *
files_dir(struct req *r, const char *base, const char **name)
{
	const char	*slash = strrchr(base, '/');

	if (slash == NULL) {
		*name = base;
		return req_cfg(r)->media_dir;
	}
	*name = slash + 1;
	return arena_printf(r->arena, "%s/%.*s", req_cfg(r)->media_dir,
	    (int)(slash - base), base);
}

/* Remove an upload's files, logging what could not be. */
static void
files_remove(const char *dir, const char *name)
{
	char	err[256];

	if (image_remove(dir, name, err, sizeof(err)) < 0)
		log_error("image: removing %s/%s: %s", dir, name, err);
}

int
h_image_add(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	const struct config	*cfg = req_cfg(r);
	struct actor		 who = admin_actor(r);
	struct product_forms	 forms = { 0 };
	const struct upload	*up;
	struct product_input	 p;
	struct image_info	 info;
	struct image_input	 in;
	struct image_row	*v, row;
	struct form		 f;
	struct tval		*data, *after;
	const struct image_size	*big;
	enum image_err		 e;
	enum catalog_result	 rc;
	unsigned char		 rnd[8];
	char			 hex[2 * sizeof(rnd) + 1], err[256];
	const char		*dir, *base;
	int			 widths[IMAGE_MAX_SIZES], found;
	long long		 pid = admin_param_id(r, "id"), iid;
	size_t			 n, i;

	if (pid == 0)
		return 404;
	if ((found = product_get(d, a, pid, &p)) != 1)
		return found == 0 ? 404 : 503;
	admin_image_form(a, &f);
	forms.image = &f;
	forms.failed = &f;
	(void)form_read(&f, a, &r->form);
	if ((up = upload_of(r, "image")) == NULL)
		form_error(&f, "image", "Choose an image file to upload.");
	if (f.nerrors > 0)
		return admin_product_page(r, 422, pid, &forms);

	/* The media directory may not exist yet; products/ is ingest's. */
	if (mkdir(cfg->media_dir, 0750) != 0 && errno != EEXIST) {
		log_error("image: %s: %s", cfg->media_dir, strerror(errno));
		return 503;
	}
	dir = arena_printf(a, "%s/" IMAGE_FOLDER, cfg->media_dir);
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	base = arena_printf(a, "p%lld-%s", pid, hex);
	e = image_ingest(up->data, up->len, dir, base, &info, err,
	    sizeof(err));
	if (e != IMAGE_OK && image_err_is_upload(e)) {
		form_error(&f, "image", upload_message(a, e, err));
		return admin_product_page(r, 422, pid, &forms);
	}
	if (e != IMAGE_OK) {
		log_error("image: product %lld: %s: %s", pid,
		    image_err_names[e], err);
		return 503;
	}

	big = &info.sizes[info.nsizes - 1];
	for (i = 0; i < info.nsizes; i++)
		widths[i] = info.sizes[i].width;
	memset(&in, 0, sizeof(in));
	in.path = arena_printf(a, IMAGE_FOLDER "/%s", big->jpeg);
	in.alt = form_str(&f, "alt");
	in.width = big->width;
	in.height = big->height;
	in.base = arena_printf(a, IMAGE_FOLDER "/%s", base);
	in.widths = widths;
	in.nwidths = info.nsizes;
	if (db_begin(d) != 0) {
		files_remove(dir, base);
		return 503;
	}
	/* After the images it has. */
	if (image_list(d, a, pid, &v, &n) != 0)
		goto fail;
	in.position = n > 0 ? v[n - 1].position + 1 : 0;
	if ((rc = image_add(d, pid, &in, &iid)) != CATALOG_OK) {
		db_rollback(d);
		files_remove(dir, base);
		if (rc == CATALOG_NOT_FOUND)
			return 404;
		if (rc == CATALOG_ERROR)
			return 503;
		admin_catalog_error(&f, rc);
		return admin_product_page(r, 422, pid, &forms);
	}
	if (image_get(d, a, pid, iid, &row) != 1)
		goto fail;
	after = image_log(a, &row);
	if (adminlog_write(d, &who, "image.add", "image", iid, p.name, NULL,
	    after) < 0)
		goto fail;
	if (db_commit(d) != 0) {
		files_remove(dir, base);
		return 503;
	}
	data = tval_map(a);
	tval_set_int(a, data, "id", iid);
	tval_set(a, data, "image", admin_image_tval(a, &row));
	tval_set_str(a, data, "format", image_format_names[info.format]);
	return admin_done(r, arena_printf(a, "/admin/products/%lld", pid),
	    "image", data);
fail:
	db_rollback(d);
	files_remove(dir, base);
	return 503;
}

int
h_image_move(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct product_forms	 forms = { 0 };
	struct product_input	 p;
	struct image_row	*v;
	struct form		 f;
	struct tval		*data, *before, *after;
	enum catalog_result	 rc;
	long long		 pid = admin_param_id(r, "id");
	long long		 iid = admin_param_id(r, "image_id");
	long long		 to, from, now;
	size_t			 n, at;
	int			 found;

	if (pid == 0 || iid == 0)
		return 404;
	form_init(&f, a, move_fields, nitems(move_fields));
	form_choices(&f, "direction", direction_choices);
	forms.failed = &f;
	if (form_read(&f, a, &r->form) && *form_str(&f, "direction") ==
	    '\0' && *form_str(&f, "position") == '\0')
		form_error(&f, "direction", "Say where the image goes: up or "
		    "down, or a position.");
	if (f.nerrors > 0 || f.error != NULL) {
		if ((found = product_get(d, a, pid, &p)) != 1)
			return found == 0 ? 404 : 503;
		return admin_product_page(r, 422, pid, &forms);
	}

	if (db_begin(d) != 0)
		return 503;
	if ((found = product_get(d, a, pid, &p)) != 1 ||
	    image_list(d, a, pid, &v, &n) != 0) {
		db_rollback(d);
		return found == 0 ? 404 : 503;
	}
	for (at = 0; at < n && v[at].id != iid; at++)
		continue;
	if (at == n) {
		db_rollback(d);
		return 404;
	}
	if (*form_str(&f, "position") != '\0')
		to = form_int(&f, "position") - 1;
	else if (strcmp(form_str(&f, "direction"), "up") == 0)
		to = at > 0 ? (long long)at - 1 : 0;
	else
		to = (long long)at + 1;
	if ((rc = image_move(d, pid, iid, to, &from, &now)) != CATALOG_OK) {
		db_rollback(d);
		return rc == CATALOG_NOT_FOUND ? 404 : 503;
	}
	before = tval_map(a);
	tval_set_int(a, before, "place", from + 1);
	after = tval_map(a);
	tval_set_int(a, after, "place", now + 1);
	if (now != from && adminlog_write(d, &who, "image.move", "image", iid,
	    p.name, before, after) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	data = tval_map(a);
	tval_set_int(a, data, "id", iid);
	tval_set_int(a, data, "place", now + 1);
	return admin_done(r, arena_printf(a, "/admin/products/%lld", pid),
	    "images", data);
}

int
h_image_delete(struct req *r)
{
	struct arena		*a = r->arena;
	struct db		*d = req_db(r, DB_PRIMARY);
	struct actor		 who = admin_actor(r);
	struct product_input	 p;
	struct image_row	 row;
	struct tval		*data;
	const char		*dir = NULL, *name = NULL;
	long long		 pid = admin_param_id(r, "id");
	long long		 iid = admin_param_id(r, "image_id");
	int			 found;

	if (pid == 0 || iid == 0)
		return 404;
	if (db_begin(d) != 0)
		return 503;
	if ((found = product_get(d, a, pid, &p)) != 1 ||
	    (found = image_get(d, a, pid, iid, &row)) != 1) {
		db_rollback(d);
		return found == 0 ? 404 : 503;
	}
	if (image_delete(d, pid, iid) != CATALOG_OK ||
	    adminlog_write(d, &who, "image.delete", "image", iid, p.name,
	    image_log(a, &row), NULL) < 0) {
		db_rollback(d);
		return 503;
	}
	if (db_commit(d) != 0)
		return 503;
	/* An upload's files; a drawing of the demo store stays. */
	if (row.image.base != NULL) {
		dir = files_dir(r, row.image.base, &name);
		files_remove(dir, name);
	}
	data = tval_map(a);
	tval_set_int(a, data, "id", iid);
	tval_set_bool(a, data, "deleted", true);
	return admin_done(r, arena_printf(a, "/admin/products/%lld", pid),
	    "images", data);
}
