/*
 * Product images with libvips: checking an upload, writing its sizes
 * to the media directory, removing them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>
#include <vips/vector.h>
#include <webp/mux.h>

#include "core/limits.h"
#include "core/log.h"
#include "ext/image.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* Encoder settings: good enough for product photos, small files. */
#define WEBP_QUALITY	80
#define JPEG_QUALITY	82

const char *const image_format_names[IMAGE_FORMAT__MAX] = {
	"jpeg",
	"png",
	"webp",
};

const char *const image_err_names[IMAGE_ERR__MAX] = {
	"ok",
	"empty",
	"bytes",
	"format",
	"corrupt",
	"side",
	"pixels",
	"name",
	"exists",
	"io",
	"library",
};

/*
 * The one libvips loader each format may be read with, by its class
 * name (what vips_foreign_find_load_buffer() answers). Every other
 * loader is blocked.
 */
static const char *const loaders[IMAGE_FORMAT__MAX] = {
	"VipsForeignLoadJpegBuffer",
	"VipsForeignLoadPngBuffer",
	"VipsForeignLoadWebpBuffer",
};

/* The formats' names in a message. */
static const char *const shown[IMAGE_FORMAT__MAX] = {
	"JPEG",
	"PNG",
	"WebP",
};

static const int widths[] = IMAGE_WIDTHS;
_Static_assert(NITEMS(widths) + 1 <= IMAGE_MAX_SIZES,
    "IMAGE_MAX_SIZES holds IMAGE_WIDTHS and the original's width");
_Static_assert(IMAGE_MAX_SIDE <= 99999, "a width is five digits at most");

/* The extensions of the two files of a size, as in struct image_size. */
static const char *const exts[2] = { ".webp", ".jpg" };

/* An image's encoded files, before they are written; g_free()d. */
struct encoded {
	void	*data[2];	/* WebP, JPEG */
	size_t	 len[2];
};

static pthread_once_t	 lib_once = PTHREAD_ONCE_INIT;
static int		 lib_state;	/* 1 started, -1 failed */
static char		 lib_fail[256];
static atomic_uint	 tmp_serial;

bool
image_err_is_upload(enum image_err e)
{
	return e >= IMAGE_ERR_EMPTY && e <= IMAGE_ERR_PIXELS;
}

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * The first line of libvips' error buffer, for a message, and the
 * buffer cleared. Copied into buf (len bytes), which is returned.
 */
static const char *
lib_why(char *buf, size_t len)
{
	const char	*s = vips_error_buffer();
	size_t		 n = strcspn(s, "\n");

	if (n == 0) {
		s = "no reason given";
		n = strlen(s);
	}
	snprintf(buf, len, "%.*s", (int)n, s);
	vips_error_clear();
	return buf;
}

/*
 * libvips' warnings (libjpeg's about extraneous bytes, say) are about
 * one upload, not the shop: they go to the log at debug level, in its
 * format, instead of bare onto standard error.
 */
static void
lib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg,
    gpointer arg)
{
	(void)domain;
	(void)level;
	(void)arg;
	log_debug("image: libvips: %s", msg);
}

/*
 * Once per process: start libvips and make it safe for uploads. One
 * worker thread: an upload is one request's work, and the pool would
 * only add threads that wait. No operation cache: it would keep an
 * upload's decoded image (and a pointer to the caller's bytes) alive
 * after the call, for a hit that never comes. No ORC: it writes machine
 * code at run time, which needs memory both writable and executable
 * (refused under MemoryDenyWriteExecute=yes) and is one more thing an
 * upload could reach. All loaders blocked, the untrusted ones
 * (libvips' own list) and every other, then the three formats' buffer
 * loaders allowed again.
 */
static void
lib_start(void)
{
	char		 why[200];
	size_t		 i;

	if (VIPS_INIT("shopfile") != 0) {
		snprintf(lib_fail, sizeof(lib_fail), "libvips: %s",
		    lib_why(why, sizeof(why)));
		lib_state = -1;
		return;
	}
	vips_concurrency_set(1);
	vips_cache_set_max(0);
	vips_cache_set_max_mem(0);
	vips_cache_set_max_files(0);
	vips_vector_set_enabled(FALSE);
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoad", TRUE);
	for (i = 0; i < IMAGE_FORMAT__MAX; i++)
		vips_operation_block_set(loaders[i], FALSE);
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
	    G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG, lib_log, NULL);
	lib_state = 1;
}

int
image_init(char *err, size_t errlen)
{
	pthread_once(&lib_once, lib_start);
	if (lib_state != 1) {
		seterr(err, errlen, "%s", lib_fail);
		return -1;
	}
	return 0;
}

/* The format the magic bytes at the start of p say, or __MAX. */
static enum image_format
sniff(const unsigned char *p, size_t len)
{
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return IMAGE_JPEG;
	if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return IMAGE_PNG;
	if (len >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		return IMAGE_WEBP;
	return IMAGE_FORMAT__MAX;
}

/*
 * The widths to write an image w pixels wide at (see image.h), into
 * out; returns how many.
 */
static size_t
sizes_for(int w, int out[IMAGE_MAX_SIZES])
{
	size_t	i, n = 0;

	for (i = 0; i < NITEMS(widths); i++)
		if (widths[i] < w)
			out[n++] = widths[i];
	if (w <= widths[NITEMS(widths) - 1])
		out[n++] = w;
	return n;
}

/*
 * Read the header of the upload and check it: its format, its sides and
 * pixels. Fills in out's format, width and height (upright). Nothing of
 * the pixels is decoded yet.
 */
static enum image_err
probe(const void *p, size_t len, struct image_info *out, char *err,
    size_t errlen)
{
	VipsImage		*im;
	const char		*loader;
	char			 why[200];
	enum image_format	 f;
	int			 w, h;

	if (len == 0) {
		seterr(err, errlen, "the file is empty");
		return IMAGE_ERR_EMPTY;
	}
	if (len > IMAGE_MAX_BYTES) {
		seterr(err, errlen, "the file is %zu bytes, over the %d allowed",
		    len, IMAGE_MAX_BYTES);
		return IMAGE_ERR_BYTES;
	}
	if ((f = sniff(p, len)) == IMAGE_FORMAT__MAX) {
		seterr(err, errlen, "not a JPEG, PNG or WebP image");
		return IMAGE_ERR_FORMAT;
	}
	/*
	 * The loader libvips would pick must be the one for the format the
	 * magic says: a file cannot be one thing to us and another to it.
	 */
	loader = vips_foreign_find_load_buffer(p, len);
	if (loader == NULL || strcmp(loader, loaders[f]) != 0) {
		vips_error_clear();
		seterr(err, errlen, "not a JPEG, PNG or WebP image");
		return IMAGE_ERR_FORMAT;
	}
	im = vips_image_new_from_buffer(p, len, "",
	    "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR,
	    NULL);
	if (im == NULL) {
		seterr(err, errlen, "the %s image is truncated or corrupt: %s",
		    shown[f], lib_why(why, sizeof(why)));
		return IMAGE_ERR_CORRUPT;
	}
	w = vips_image_get_width(im);
	h = vips_image_get_height(im);
	if (vips_image_get_orientation_swap(im)) {
		w = vips_image_get_height(im);
		h = vips_image_get_width(im);
	}
	g_object_unref(im);
	if (w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE) {
		seterr(err, errlen, "the image is %dx%d pixels; a side may be "
		    "%d at most", w, h, IMAGE_MAX_SIDE);
		return IMAGE_ERR_SIDE;
	}
	if ((int64_t)w * h > IMAGE_MAX_PIXELS) {
		seterr(err, errlen, "the image is %dx%d, %lld pixels, over "
		    "the %d allowed", w, h, (long long)w * h,
		    IMAGE_MAX_PIXELS);
		return IMAGE_ERR_PIXELS;
	}
	if (w < 1 || h < 1) {
		seterr(err, errlen, "the image has no pixels");
		return IMAGE_ERR_CORRUPT;
	}
	out->format = f;
	out->width = w;
	out->height = h;
	return IMAGE_OK;
}

/*
 * Take every metadata chunk out of the WebP file at *p (*len bytes,
 * g_malloc()ed, replaced). libvips 8.14.1, Debian 12's, writes EXIF (its
 * own, rebuilt from the image's fields), ICCP and XMP chunks although
 * told to strip them (libvips issue #3340); this holds whatever the
 * version does. Returns 0, or -1 with the file as it was.
 */
static int
webp_strip(void **p, size_t *len)
{
	static const char *const chunks[] = { "EXIF", "XMP ", "ICCP" };
	WebPData	 in = { *p, *len }, out = { NULL, 0 };
	WebPMux		*mux;
	WebPMuxError	 me;
	size_t		 i;
	int		 rc = -1;

	if ((mux = WebPMuxCreate(&in, 0)) == NULL) {
		vips_error("image", "WebP: cannot read what was written");
		return -1;
	}
	for (i = 0; i < NITEMS(chunks); i++) {
		me = WebPMuxDeleteChunk(mux, chunks[i]);
		if (me != WEBP_MUX_OK && me != WEBP_MUX_NOT_FOUND)
			break;
	}
	if (i == NITEMS(chunks) && WebPMuxAssemble(mux, &out) == WEBP_MUX_OK) {
		g_free(*p);
		*p = g_memdup2(out.bytes, out.size);
		*len = out.size;
		rc = 0;
	} else
		vips_error("image", "WebP: cannot take the metadata out");
	WebPDataClear(&out);
	WebPMuxDelete(mux);
	return rc;
}

/*
 * One size: the upload decoded at width w (shrunk while it is decoded
 * where the format allows), turned upright, in sRGB, encoded as WebP and
 * as JPEG (on white where it was transparent) without any metadata.
 * Fills in *sz's width and height and *enc. Returns IMAGE_OK or
 * IMAGE_ERR_CORRUPT, with *enc empty then.
 */
static enum image_err
encode_size(const void *p, size_t len, int w, struct image_size *sz,
    struct encoded *enc, char *err, size_t errlen)
{
	VipsImage	*t[5] = { NULL, NULL, NULL, NULL, NULL };
	VipsArrayDouble	*white;
	VipsImage	*jpeg;
	char		 why[200];
	int		 rc;
	size_t		 i;

	memset(enc, 0, sizeof(*enc));
	white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
	rc = vips_thumbnail_buffer((void *)p, len, &t[0], w,
	    "height", VIPS_MAX_COORD, "size", VIPS_SIZE_DOWN,
	    "export_profile", "srgb", "option_string", "fail_on=error",
	    NULL) != 0 ||
	    vips_colourspace(t[0], &t[1], VIPS_INTERPRETATION_sRGB, NULL) != 0 ||
	    vips_cast_uchar(t[1], &t[2], NULL) != 0 ||
	    /* Read twice below: the decoder reads once, from top to bottom. */
	    (t[3] = vips_image_copy_memory(t[2])) == NULL ||
	    vips_webpsave_buffer(t[3], &enc->data[0], &enc->len[0],
	    "Q", WEBP_QUALITY, "strip", TRUE, NULL) != 0 ||
	    webp_strip(&enc->data[0], &enc->len[0]) != 0;
	if (rc == 0) {
		jpeg = t[3];
		if (vips_image_hasalpha(t[3])) {
			rc = vips_flatten(t[3], &t[4], "background", white,
			    NULL) != 0;
			jpeg = t[4];
		}
		if (rc == 0)
			rc = vips_jpegsave_buffer(jpeg, &enc->data[1],
			    &enc->len[1], "Q", JPEG_QUALITY, "strip", TRUE,
			    "optimize_coding", TRUE, "interlace", TRUE,
			    NULL) != 0;
	}
	if (rc == 0) {
		sz->width = vips_image_get_width(t[3]);
		sz->height = vips_image_get_height(t[3]);
	}
	for (i = 0; i < NITEMS(t); i++)
		if (t[i] != NULL)
			g_object_unref(t[i]);
	vips_area_unref(VIPS_AREA(white));
	if (rc != 0) {
		for (i = 0; i < 2; i++)
			g_free(enc->data[i]);
		memset(enc, 0, sizeof(*enc));
		seterr(err, errlen, "the image is truncated or corrupt: %s",
		    lib_why(why, sizeof(why)));
		return IMAGE_ERR_CORRUPT;
	}
	return IMAGE_OK;
}

static void
encoded_free(struct encoded *enc, size_t n)
{
	size_t	i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < 2; j++)
			g_free(enc[i].data[j]);
}

/*
 * The whole of image_check(), keeping what was encoded in enc (one per
 * size, out->nsizes of them) for the caller to write and then free with
 * encoded_free().
 */
static enum image_err
decode(const void *p, size_t len, struct image_info *out,
    struct encoded enc[IMAGE_MAX_SIZES], char *err, size_t errlen)
{
	enum image_err	 e;
	int		 w[IMAGE_MAX_SIZES];
	size_t		 i, n;

	memset(out, 0, sizeof(*out));
	if (image_init(err, errlen) != 0)
		return IMAGE_ERR_LIBRARY;
	if ((e = probe(p, len, out, err, errlen)) != IMAGE_OK)
		return e;
	n = sizes_for(out->width, w);
	for (i = 0; i < n; i++) {
		e = encode_size(p, len, w[i], &out->sizes[i], &enc[i], err,
		    errlen);
		if (e != IMAGE_OK) {
			encoded_free(enc, i);
			memset(out, 0, sizeof(*out));
			return e;
		}
	}
	out->nsizes = n;
	return IMAGE_OK;
}

enum image_err
image_check(const void *p, size_t len, struct image_info *out, char *err,
    size_t errlen)
{
	struct encoded	enc[IMAGE_MAX_SIZES];
	enum image_err	e;

	if ((e = decode(p, len, out, enc, err, errlen)) == IMAGE_OK)
		encoded_free(enc, out->nsizes);
	return e;
}

/* Whether base is a base name image_ingest() takes. */
static bool
base_ok(const char *base)
{
	size_t	i;

	if (base == NULL || base[0] == '\0' || base[0] == '-' ||
	    base[0] == '_')
		return false;
	for (i = 0; base[i] != '\0'; i++) {
		if (i >= IMAGE_MAX_BASE)
			return false;
		if (!((base[i] >= 'a' && base[i] <= 'z') ||
		    (base[i] >= 'A' && base[i] <= 'Z') ||
		    (base[i] >= '0' && base[i] <= '9') ||
		    base[i] == '-' || base[i] == '_'))
			return false;
	}
	return true;
}

/* Whether name is one of base's files: BASE-<digits><ext>. */
static bool
file_of(const char *name, const char *base)
{
	size_t	n = strlen(base), d, i;

	if (strncmp(name, base, n) != 0 || name[n] != '-')
		return false;
	name += n + 1;
	for (d = 0; name[d] >= '0' && name[d] <= '9'; d++)
		continue;
	if (d == 0)
		return false;
	for (i = 0; i < NITEMS(exts); i++)
		if (strcmp(name + d, exts[i]) == 0)
			return true;
	return false;
}

/*
 * Unlink base's files in the directory open as dfd (count_only: only
 * count them). Returns how many, or -1 with errno set by the first
 * failure (the others are still tried).
 */
static int
files_of(int dfd, const char *base, bool count_only)
{
	DIR		*dp;
	struct dirent	*de;
	int		 fd, n = 0, saved = 0;

	if ((fd = dup(dfd)) < 0)
		return -1;
	if ((dp = fdopendir(fd)) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	rewinddir(dp);
	while ((de = readdir(dp)) != NULL) {
		if (!file_of(de->d_name, base))
			continue;
		if (!count_only && unlinkat(dfd, de->d_name, 0) != 0) {
			if (saved == 0)
				saved = errno;
			continue;
		}
		n++;
	}
	closedir(dp);
	if (saved != 0) {
		errno = saved;
		return -1;
	}
	return n;
}

/*
 * Write len bytes at p to a new temporary file in dfd, named after name
 * (into tmp, tmplen bytes), mode 0640, flushed to disk. Returns 0, or -1
 * with errno set and no file left.
 */
static int
write_tmp(int dfd, const char *name, const void *p, size_t len, char *tmp,
    size_t tmplen)
{
	const char	*c = p;
	ssize_t		 w;
	int		 fd, saved, tries;

	/*
	 * Unique to this call in this process; one left by a process that
	 * had this pid before and died is no one's and is replaced.
	 */
	snprintf(tmp, tmplen, ".%s.%ld-%u.tmp", name, (long)getpid(),
	    atomic_fetch_add(&tmp_serial, 1));
	for (tries = 0; ; tries++) {
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0640);
		if (fd >= 0 || errno != EEXIST || tries > 0)
			break;
		(void)unlinkat(dfd, tmp, 0);
	}
	if (fd < 0)
		return -1;
	/* Whatever the umask: the web server reads these by group. */
	if (fchmod(fd, 0640) != 0)
		goto fail;
	while (len > 0) {
		if ((w = write(fd, c, len)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		c += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	(void)unlinkat(dfd, tmp, 0);
	errno = saved;
	return -1;
}

/*
 * Write the encoded sizes of info into dfd under their names (already in
 * info): all to temporary files first, then each renamed into place,
 * then the directory flushed. On failure every file written is removed.
 */
static enum image_err
write_all(int dfd, const char *dir, const struct image_info *info,
    const struct encoded *enc, char *err, size_t errlen)
{
	char		 tmp[IMAGE_MAX_SIZES * 2][IMAGE_MAX_NAME + 64];
	const char	*name[IMAGE_MAX_SIZES * 2];
	size_t		 i, n = 0, made = 0, placed = 0;

	for (i = 0; i < info->nsizes; i++) {
		name[n++] = info->sizes[i].webp;
		name[n++] = info->sizes[i].jpeg;
	}
	for (made = 0; made < n; made++)
		if (write_tmp(dfd, name[made], enc[made / 2].data[made % 2],
		    enc[made / 2].len[made % 2], tmp[made],
		    sizeof(tmp[made])) != 0) {
			seterr(err, errlen, "%s/%s: %s", dir, name[made],
			    strerror(errno));
			goto fail;
		}
	for (placed = 0; placed < n; placed++)
		if (renameat(dfd, tmp[placed], dfd, name[placed]) != 0) {
			seterr(err, errlen, "%s/%s: rename: %s", dir,
			    name[placed], strerror(errno));
			goto fail;
		}
	/* The renames themselves must reach the disk. */
	if (fsync(dfd) != 0) {
		seterr(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		goto fail;
	}
	return IMAGE_OK;
fail:
	for (i = 0; i < placed; i++)
		(void)unlinkat(dfd, name[i], 0);
	for (; i < made; i++)
		(void)unlinkat(dfd, tmp[i], 0);
	return IMAGE_ERR_IO;
}

/* Open dir (made if missing, mode 0750) for image_ingest(). */
static int
open_dir(const char *dir, char *err, size_t errlen)
{
	int	fd;

	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
	return fd;
}

enum image_err
image_ingest(const void *p, size_t len, const char *dir, const char *base,
    struct image_info *out, char *err, size_t errlen)
{
	struct encoded	enc[IMAGE_MAX_SIZES];
	enum image_err	e;
	int		dfd, have;
	size_t		i;

	memset(out, 0, sizeof(*out));
	if (!base_ok(base)) {
		seterr(err, errlen, "bad image base name");
		return IMAGE_ERR_NAME;
	}
	if ((dfd = open_dir(dir, err, errlen)) < 0)
		return IMAGE_ERR_IO;
	if ((have = files_of(dfd, base, true)) != 0) {
		if (have < 0)
			seterr(err, errlen, "%s: %s", dir, strerror(errno));
		else
			seterr(err, errlen, "%s: images named %s exist",
			    dir, base);
		close(dfd);
		return have < 0 ? IMAGE_ERR_IO : IMAGE_ERR_EXISTS;
	}
	if ((e = decode(p, len, out, enc, err, errlen)) != IMAGE_OK) {
		close(dfd);
		return e;
	}
	for (i = 0; i < out->nsizes; i++) {
		snprintf(out->sizes[i].webp, sizeof(out->sizes[i].webp),
		    "%s-%d%s", base, out->sizes[i].width, exts[0]);
		snprintf(out->sizes[i].jpeg, sizeof(out->sizes[i].jpeg),
		    "%s-%d%s", base, out->sizes[i].width, exts[1]);
	}
	e = write_all(dfd, dir, out, enc, err, errlen);
	close(dfd);
	encoded_free(enc, out->nsizes);
	if (e != IMAGE_OK)
		memset(out, 0, sizeof(*out));
	return e;
}

int
image_remove(const char *dir, const char *base, char *err, size_t errlen)
{
	int	dfd, n;

	if (!base_ok(base)) {
		seterr(err, errlen, "bad image base name");
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((n = files_of(dfd, base, false)) < 0)
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
	else if (n > 0 && fsync(dfd) != 0) {
		seterr(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		n = -1;
	}
	close(dfd);
	return n;
}
