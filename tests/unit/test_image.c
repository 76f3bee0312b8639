/*
 * Unit tests: product images (lib/ext/image.c). Good JPEG, PNG and WebP
 * uploads of a few sizes, written at the right widths with no metadata,
 * upright and in sRGB; and each bad upload refused with its own error
 * and nothing left in the directory. The uploads are made here with
 * libvips itself.
 */
#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

#include "core/limits.h"
#include "ext/image.h"

enum kind { K_JPEG, K_PNG, K_WEBP, K_GIF, K_TIFF };

static char	dir[64];

static void
setup(void)
{
	char	err[256];

	ck_assert_msg(image_init(err, sizeof(err)) == 0, "%s", err);
	snprintf(dir, sizeof(dir), "/tmp/shop-image-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Entries in dir, but . and .. */
static int
entries(const char *d)
{
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(dp = opendir(d));
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

/*
 * A w x h sRGB picture, black on the left half and white on the right,
 * with bands 3 or 4 (the alpha half transparent at the top). Caller
 * unrefs.
 */
static VipsImage *
picture(int w, int h, int bands)
{
	VipsImage	*t[8] = { NULL };
	VipsImage	*rgb[3], *out;
	int		 i;

	ck_assert_int_eq(vips_xyz(&t[0], w, h, NULL), 0);
	ck_assert_int_eq(vips_extract_band(t[0], &t[1], 0, NULL), 0);
	ck_assert_int_eq(vips_extract_band(t[0], &t[2], 1, NULL), 0);
	ck_assert_int_eq(vips_moreeq_const1(t[1], &t[3], w / 2, NULL), 0);
	rgb[0] = rgb[1] = rgb[2] = t[3];
	ck_assert_int_eq(vips_bandjoin(rgb, &t[4], 3, NULL), 0);
	if (bands == 4) {
		ck_assert_int_eq(vips_moreeq_const1(t[2], &t[5], h / 2, NULL), 0);
		ck_assert_int_eq(vips_bandjoin2(t[4], t[5], &t[6], NULL), 0);
	} else
		ck_assert_int_eq(vips_copy(t[4], &t[6], NULL), 0);
	ck_assert_int_eq(vips_copy(t[6], &out, "interpretation",
	    VIPS_INTERPRETATION_sRGB, NULL), 0);
	for (i = 0; i < 8; i++)
		if (t[i] != NULL)
			g_object_unref(t[i]);
	return out;
}

/* im encoded as kind; g_free() the result. */
static void *
encode(VipsImage *im, enum kind k, size_t *len)
{
	void	*p = NULL;
	int	 rc = -1;

	switch (k) {
	case K_JPEG:
		rc = vips_jpegsave_buffer(im, &p, len, NULL);
		break;
	case K_PNG:
		rc = vips_pngsave_buffer(im, &p, len, NULL);
		break;
	case K_WEBP:
		rc = vips_webpsave_buffer(im, &p, len, NULL);
		break;
	case K_GIF:
		rc = vips_gifsave_buffer(im, &p, len, NULL);
		break;
	case K_TIFF:
		rc = vips_tiffsave_buffer(im, &p, len, NULL);
		break;
	}
	ck_assert_msg(rc == 0, "%s", vips_error_buffer());
	return p;
}

/* A w x h upload of kind. */
static void *
upload(int w, int h, int bands, enum kind k, size_t *len)
{
	VipsImage	*im = picture(w, h, bands);
	void		*p = encode(im, k, len);

	g_object_unref(im);
	return p;
}

/* The file dir/name, read and loaded; it must be of format f. */
static VipsImage *
load(const char *name, enum image_format f)
{
	static const char	*const magic[IMAGE_FORMAT__MAX] = {
		"\xff\xd8\xff", "\x89PNG", "RIFF"
	};
	char		 path[256];
	gchar		*p;
	gsize		 len;
	VipsImage	*im;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(g_file_get_contents(path, &p, &len, NULL), "%s", path);
	ck_assert_int_eq(memcmp(p, magic[f], strlen(magic[f])), 0);
	ck_assert_ptr_nonnull(im = vips_image_new_from_buffer(p, len, "",
	    "access", VIPS_ACCESS_RANDOM, NULL));
	/* Loaded lazily from p: make it the image's own. */
	ck_assert_int_eq(vips_image_wio_input(im), 0);
	g_free(p);
	return im;
}

/* Whether the file dir/name holds the bytes s. */
static bool
file_has(const char *name, const void *s, size_t n)
{
	char	 path[256];
	gchar	*p;
	gsize	 len, i;
	bool	 found = false;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert(g_file_get_contents(path, &p, &len, NULL));
	for (i = 0; i + n <= len && !found; i++)
		found = memcmp(p + i, s, n) == 0;
	g_free(p);
	return found;
}

/* What libvips reads as metadata of im: no field of any of these kinds. */
static void
assert_no_metadata(VipsImage *im)
{
	gchar	**f;
	int	  i;

	f = vips_image_get_fields(im);
	for (i = 0; f[i] != NULL; i++) {
		ck_assert_msg(strncmp(f[i], "exif-", 5) != 0 &&
		    strcmp(f[i], "xmp-data") != 0 &&
		    strcmp(f[i], "iptc-data") != 0 &&
		    strcmp(f[i], "icc-profile-data") != 0 &&
		    strcmp(f[i], "orientation") != 0, "field %s", f[i]);
	}
	g_strfreev(f);
}

/*
 * Ingest the upload as base, check every size against want (width x
 * height pairs, narrowest first) and its two files: there, mode 0640, of
 * their formats, of that size, without metadata; and nothing else in
 * the directory but other images' files (others of them).
 */
static void
ingest_ok(const void *p, size_t len, const char *base, enum image_format f,
    int w, int h, const int want[][2], size_t nwant, int others)
{
	struct image_info	 info;
	VipsImage		*im;
	struct stat		 st;
	char			 err[256], path[256], name[IMAGE_MAX_NAME];
	size_t			 i;
	int			 j;

	ck_assert_msg(image_ingest(p, len, dir, base, &info, err,
	    sizeof(err)) == IMAGE_OK, "%s", err);
	ck_assert_int_eq(info.format, f);
	ck_assert_int_eq(info.width, w);
	ck_assert_int_eq(info.height, h);
	ck_assert_uint_eq(info.nsizes, nwant);
	for (i = 0; i < nwant; i++) {
		ck_assert_int_eq(info.sizes[i].width, want[i][0]);
		ck_assert_int_eq(info.sizes[i].height, want[i][1]);
		snprintf(name, sizeof(name), "%s-%d.webp", base, want[i][0]);
		ck_assert_str_eq(info.sizes[i].webp, name);
		snprintf(name, sizeof(name), "%s-%d.jpg", base, want[i][0]);
		ck_assert_str_eq(info.sizes[i].jpeg, name);
		for (j = 0; j < 2; j++) {
			snprintf(path, sizeof(path), "%s/%s", dir,
			    j == 0 ? info.sizes[i].webp : info.sizes[i].jpeg);
			ck_assert_int_eq(stat(path, &st), 0);
			ck_assert_int_eq(st.st_mode & 07777, 0640);
			im = load(j == 0 ? info.sizes[i].webp :
			    info.sizes[i].jpeg, j == 0 ? IMAGE_WEBP : IMAGE_JPEG);
			ck_assert_int_eq(vips_image_get_width(im), want[i][0]);
			ck_assert_int_eq(vips_image_get_height(im), want[i][1]);
			assert_no_metadata(im);
			g_object_unref(im);
		}
	}
	ck_assert_int_eq(entries(dir), (int)(2 * nwant) + others);
}

/*
 * libvips itself refuses to load the len bytes at p in this process: the
 * loader is blocked, whatever else said yes or no before it.
 */
static void
blocked(const void *p, size_t len, const char *loader)
{
	VipsImage	*im;

	ck_assert_str_eq(vips_foreign_find_load_buffer(p, len), loader);
	im = vips_image_new_from_buffer(p, len, "", NULL);
	ck_assert_ptr_null(im);
	ck_assert_ptr_nonnull(strstr(vips_error_buffer(), "is blocked"));
	vips_error_clear();
}

/* The upload refused with e, a message, and nothing in the directory. */
static void
refused(const void *p, size_t len, enum image_err e)
{
	struct image_info	info;
	char			err[256];

	err[0] = '\0';
	ck_assert_int_eq(image_ingest(p, len, dir, "p1", &info, err,
	    sizeof(err)), e);
	ck_assert_msg(err[0] != '\0', "no message for %s", image_err_names[e]);
	ck_assert_uint_eq(info.nsizes, 0);
	ck_assert_int_eq(entries(dir), 0);
	/* image_check() refuses it the same way. */
	ck_assert_int_eq(image_check(p, len, &info, err, sizeof(err)), e);
	ck_assert(image_err_is_upload(e));
}

START_TEST(good_jpeg_wide)
{
	static const int	 want[][2] = { { 320, 160 }, { 640, 320 },
	    { 1280, 640 } };
	size_t			 len;
	void			*p = upload(2000, 1000, 3, K_JPEG, &len);

	ingest_ok(p, len, "p1-a1", IMAGE_JPEG, 2000, 1000, want, 3, 0);
	g_free(p);
}
END_TEST

START_TEST(good_png_alpha)
{
	static const int	 want[][2] = { { 320, 240 }, { 640, 480 },
	    { 800, 600 } };
	VipsImage		*im;
	size_t			 len;
	void			*p = upload(800, 600, 4, K_PNG, &len);

	ingest_ok(p, len, "p2", IMAGE_PNG, 800, 600, want, 3, 0);
	g_free(p);
	/* WebP keeps the transparency; JPEG has it flattened on white. */
	im = load("p2-800.webp", IMAGE_WEBP);
	ck_assert_int_eq(vips_image_get_bands(im), 4);
	g_object_unref(im);
	im = load("p2-800.jpg", IMAGE_JPEG);
	ck_assert_int_eq(vips_image_get_bands(im), 3);
	{
		double	*px;
		int	 n;

		/* Top left: transparent black, so white. */
		ck_assert_int_eq(vips_getpoint(im, &px, &n, 10, 10, NULL), 0);
		ck_assert_double_ge(px[0], 240);
		g_free(px);
		/* Bottom left: opaque black. */
		ck_assert_int_eq(vips_getpoint(im, &px, &n, 10, 590, NULL), 0);
		ck_assert_double_le(px[0], 15);
		g_free(px);
	}
	g_object_unref(im);
}
END_TEST

START_TEST(good_webp_small)
{
	static const int	 want[][2] = { { 200, 100 } };
	size_t			 len;
	void			*p = upload(200, 100, 3, K_WEBP, &len);

	ingest_ok(p, len, "p3", IMAGE_WEBP, 200, 100, want, 1, 0);
	g_free(p);
}
END_TEST

START_TEST(good_exact_widths)
{
	static const int	 w1280[][2] = { { 320, 200 }, { 640, 400 },
	    { 1280, 800 } };
	static const int	 w320[][2] = { { 320, 320 } };
	static const int	 tall[][2] = { { 320, 3200 }, { 400, 4000 } };
	size_t			 len;
	void			*p;

	p = upload(1280, 800, 3, K_JPEG, &len);
	ingest_ok(p, len, "a", IMAGE_JPEG, 1280, 800, w1280, 3, 0);
	g_free(p);
	p = upload(320, 320, 3, K_PNG, &len);
	ingest_ok(p, len, "b", IMAGE_PNG, 320, 320, w320, 1, 6);
	g_free(p);
	/* Widths, not boxes: a tall picture is as wide as asked. */
	p = upload(400, 4000, 3, K_WEBP, &len);
	ingest_ok(p, len, "c", IMAGE_WEBP, 400, 4000, tall, 2, 8);
	g_free(p);
}
END_TEST

START_TEST(metadata_stripped)
{
	static const int	 want[][2] = { { 320, 256 }, { 640, 512 },
	    { 1000, 800 } };
	static const char	 xmp[] = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"
	    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
	    "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
	    "dc:creator=\"Secret Photographer\"/></rdf:RDF></x:xmpmeta>";
	VipsImage		*im, *in;
	const char		*s;
	size_t			 len, i;
	void			*p;
	char			 name[IMAGE_MAX_NAME];

	im = picture(1000, 800, 3);
	vips_image_set_string(im, "exif-ifd0-Make", "TestCam");
	vips_image_set_string(im, "exif-ifd0-Model", "Model 7");
	vips_image_set_string(im, "exif-ifd3-GPSLatitudeRef", "N");
	vips_image_set_string(im, "exif-ifd3-GPSLatitude", "51/1 30/1 26/1");
	vips_image_set_string(im, "exif-ifd3-GPSLongitudeRef", "W");
	vips_image_set_string(im, "exif-ifd3-GPSLongitude", "0/1 7/1 39/1");
	vips_image_set_blob_copy(im, "xmp-data", xmp, sizeof(xmp) - 1);
	p = encode(im, K_JPEG, &len);
	g_object_unref(im);

	/* The upload does carry them. */
	in = vips_image_new_from_buffer(p, len, "", NULL);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(vips_image_get_string(in, "exif-ifd0-Make", &s), 0);
	ck_assert_ptr_nonnull(strstr(s, "TestCam"));
	ck_assert_int_eq(vips_image_get_string(in, "exif-ifd3-GPSLatitude",
	    &s), 0);
	ck_assert_ptr_nonnull(strstr(s, "51/1 30/1 26/1"));
	ck_assert_int_ne(vips_image_get_typeof(in, "xmp-data"), 0);
	g_object_unref(in);

	ingest_ok(p, len, "m", IMAGE_JPEG, 1000, 800, want, 3, 0);
	g_free(p);
	/* Nor in the bytes, where libvips might not look. */
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "m-%d.jpg", want[i][0]);
		ck_assert(!file_has(name, "Exif", 4));
		ck_assert(!file_has(name, "TestCam", 7));
		ck_assert(!file_has(name, "Secret", 6));
		ck_assert(!file_has(name, "ICC_PROFILE", 11));
		snprintf(name, sizeof(name), "m-%d.webp", want[i][0]);
		ck_assert(!file_has(name, "EXIF", 4));
		ck_assert(!file_has(name, "XMP ", 4));
		ck_assert(!file_has(name, "ICCP", 4));
		ck_assert(!file_has(name, "TestCam", 7));
		ck_assert(!file_has(name, "Secret", 6));
	}
}
END_TEST

/*
 * A CMYK JPEG with its profile comes out RGB in sRGB without it: white
 * stays white and black black.
 */
START_TEST(cmyk_to_srgb)
{
	static const int	 want[][2] = { { 320, 240 }, { 400, 300 } };
	VipsImage		*im, *cmyk;
	double			*px;
	size_t			 len;
	void			*p;
	int			 n;

	im = picture(400, 300, 3);
	ck_assert_int_eq(vips_icc_export(im, &cmyk, "output_profile", "cmyk",
	    NULL), 0);
	ck_assert_int_eq(vips_image_get_bands(cmyk), 4);
	ck_assert_int_ne(vips_image_get_typeof(cmyk, "icc-profile-data"), 0);
	p = encode(cmyk, K_JPEG, &len);
	g_object_unref(cmyk);
	g_object_unref(im);
	ingest_ok(p, len, "k", IMAGE_JPEG, 400, 300, want, 2, 0);
	g_free(p);
	im = load("k-400.jpg", IMAGE_JPEG);
	ck_assert_int_eq(vips_image_get_bands(im), 3);
	ck_assert_int_eq(vips_getpoint(im, &px, &n, 390, 150, NULL), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_double_ge(px[0], 230);
	ck_assert_double_ge(px[1], 230);
	ck_assert_double_ge(px[2], 230);
	g_free(px);
	ck_assert_int_eq(vips_getpoint(im, &px, &n, 10, 150, NULL), 0);
	ck_assert_double_le(px[0], 60);
	ck_assert_double_le(px[1], 60);
	ck_assert_double_le(px[2], 60);
	g_free(px);
	g_object_unref(im);
}
END_TEST

/*
 * EXIF orientation 6 (shown turned a quarter clockwise): the 600x400
 * stored picture, white on its right, is 400x600 upright, white below.
 */
START_TEST(rotated)
{
	static const int	 want[][2] = { { 320, 480 }, { 400, 600 } };
	VipsImage		*im;
	double			*px;
	size_t			 len;
	void			*p;
	int			 n, j;

	im = picture(600, 400, 3);
	vips_image_set_int(im, "orientation", 6);
	p = encode(im, K_JPEG, &len);
	g_object_unref(im);
	ingest_ok(p, len, "r", IMAGE_JPEG, 400, 600, want, 2, 0);
	g_free(p);
	for (j = 0; j < 2; j++) {
		im = load(j == 0 ? "r-400.webp" : "r-400.jpg",
		    j == 0 ? IMAGE_WEBP : IMAGE_JPEG);
		ck_assert_int_eq(vips_getpoint(im, &px, &n, 200, 50, NULL), 0);
		ck_assert_double_le(px[0], 15);
		g_free(px);
		ck_assert_int_eq(vips_getpoint(im, &px, &n, 200, 550, NULL), 0);
		ck_assert_double_ge(px[0], 240);
		g_free(px);
		g_object_unref(im);
	}
}
END_TEST

START_TEST(check_writes_nothing)
{
	struct image_info	 info;
	char			 err[256];
	size_t			 len;
	void			*p = upload(700, 350, 3, K_PNG, &len);

	ck_assert_int_eq(image_check(p, len, &info, err, sizeof(err)),
	    IMAGE_OK);
	g_free(p);
	ck_assert_int_eq(info.format, IMAGE_PNG);
	ck_assert_uint_eq(info.nsizes, 3);
	ck_assert_int_eq(info.sizes[2].width, 700);
	ck_assert_int_eq(info.sizes[2].height, 350);
	ck_assert_str_eq(info.sizes[2].webp, "");
	ck_assert_int_eq(entries(dir), 0);
}
END_TEST

START_TEST(bad_gif)
{
	size_t	 len;
	void	*p = upload(64, 64, 3, K_GIF, &len);

	refused(p, len, IMAGE_ERR_FORMAT);
	blocked(p, len, "VipsForeignLoadNsgifBuffer");
	g_free(p);
}
END_TEST

/* libvips loads TIFF, but its loader is blocked and the magic refused. */
START_TEST(bad_tiff)
{
	size_t	 len;
	void	*p = upload(64, 64, 3, K_TIFF, &len);

	refused(p, len, IMAGE_ERR_FORMAT);
	blocked(p, len, "VipsForeignLoadTiffBuffer");
	g_free(p);
}
END_TEST

START_TEST(bad_svg)
{
	static const char	svg[] = "<?xml version=\"1.0\"?>\n<svg "
	    "xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">"
	    "<rect width=\"10\" height=\"10\" fill=\"red\"/></svg>\n";

	refused(svg, sizeof(svg) - 1, IMAGE_ERR_FORMAT);
	/* One of libvips' untrusted loaders, and blocked. */
	blocked(svg, sizeof(svg) - 1, "VipsForeignLoadSvgBuffer");
}
END_TEST

/*
 * Text an upload form said was "photo.jpg" (image/jpeg): the functions
 * take no name or type to believe, only the bytes.
 */
START_TEST(bad_text_named_jpg)
{
	static const char	text[] = "This is not a picture.\n";

	refused(text, sizeof(text) - 1, IMAGE_ERR_FORMAT);
	/* JPEG's first two bytes, then text: no loader takes it. */
	refused("\xff\xd8 not a jpeg", 13, IMAGE_ERR_FORMAT);
}
END_TEST

/* Noise, so that there are scans to cut; each format cut in half. */
START_TEST(bad_truncated)
{
	VipsImage	*n, *u;
	size_t		 len;
	void		*p;
	enum kind	 k;

	ck_assert_int_eq(vips_gaussnoise(&n, 300, 200, NULL), 0);
	ck_assert_int_eq(vips_cast_uchar(n, &u, NULL), 0);
	for (k = K_JPEG; k <= K_WEBP; k++) {
		p = encode(u, k, &len);
		refused(p, len / 2, IMAGE_ERR_CORRUPT);
		/* Within the header. */
		refused(p, 40, IMAGE_ERR_CORRUPT);
		g_free(p);
	}
	g_object_unref(u);
	g_object_unref(n);
}
END_TEST

/* Inside the pixel bound, but one side is over IMAGE_MAX_SIDE. */
START_TEST(bad_side)
{
	size_t	 len;
	void	*p = upload(1, 100000, 3, K_PNG, &len);

	refused(p, len, IMAGE_ERR_SIDE);
	g_free(p);
}
END_TEST

/* The CRC-32 of PNG (ISO 3309), for forging a header. */
static uint32_t
crc32_png(const unsigned char *p, size_t n)
{
	uint32_t	c = 0xffffffff;
	size_t		i;
	int		k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320 & -(c & 1));
	}
	return c ^ 0xffffffff;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * A decompression bomb: a PNG of a few dozen bytes whose header says
 * 16000x16000 (256 megapixels, 768 MB decoded), each side allowed. It is
 * refused from the header, before a row is inflated.
 */
START_TEST(bad_bomb)
{
	struct image_info	 info;
	unsigned char		*p;
	char			 err[256];
	size_t			 len;

	p = upload(1, 1, 3, K_PNG, &len);
	ck_assert_int_eq(memcmp(p + 12, "IHDR", 4), 0);
	put32(p + 16, 16000);
	put32(p + 20, 16000);
	put32(p + 29, crc32_png(p + 12, 17));
	ck_assert_uint_lt(len, 200);
	refused(p, len, IMAGE_ERR_PIXELS);
	ck_assert_int_eq(image_check(p, len, &info, err, sizeof(err)),
	    IMAGE_ERR_PIXELS);
	ck_assert_str_eq(err, "the image is 16000x16000, 256000000 pixels, "
	    "over the 40000000 allowed");
	g_free(p);
}
END_TEST

START_TEST(bad_empty)
{
	refused("", 0, IMAGE_ERR_EMPTY);
	refused(NULL, 0, IMAGE_ERR_EMPTY);
}
END_TEST

/* A real JPEG at the start, then padding to one byte over the bound. */
START_TEST(bad_bytes)
{
	unsigned char	*big;
	size_t		 len;
	void		*p = upload(100, 100, 3, K_JPEG, &len);

	ck_assert_ptr_nonnull(big = calloc(1, IMAGE_MAX_BYTES + 1));
	memcpy(big, p, len);
	refused(big, IMAGE_MAX_BYTES + 1, IMAGE_ERR_BYTES);
	free(big);
	g_free(p);
}
END_TEST

START_TEST(bad_name)
{
	static const char	*const bad[] = { "", "../p1", "a/b", ".p1",
	    "-p1", "_p1", "p 1", "p1.jpg", "p\xc3\xa9",
	    "p1234567890123456789012345678901234567890123456789012345678901234",
	};
	struct image_info	 info;
	char			 err[256];
	size_t			 len, i;
	void			*p = upload(100, 100, 3, K_JPEG, &len);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(image_ingest(p, len, dir, bad[i], &info, err,
		    sizeof(err)) == IMAGE_ERR_NAME, "%s", bad[i]);
		ck_assert(!image_err_is_upload(IMAGE_ERR_NAME));
		ck_assert_int_eq(image_remove(dir, bad[i], err, sizeof(err)),
		    -1);
	}
	ck_assert_int_eq(image_ingest(p, len, dir, NULL, &info, err,
	    sizeof(err)), IMAGE_ERR_NAME);
	ck_assert_int_eq(entries(dir), 0);
	/* 64 bytes is the longest. */
	ck_assert_int_eq(image_ingest(p, len, dir,
	    "p123456789012345678901234567890123456789012345678901234567890123",
	    &info, err, sizeof(err)), IMAGE_OK);
	ck_assert_int_eq(entries(dir), 2);
	g_free(p);
}
END_TEST

/* A base name already used is refused; its files stay as they were. */
START_TEST(bad_exists)
{
	static const int	 want[][2] = { { 300, 200 } };
	struct image_info	 info;
	char			 err[256];
	size_t			 len;
	void			*p = upload(300, 200, 3, K_JPEG, &len);
	void			*q = upload(900, 600, 3, K_PNG, &len);

	ingest_ok(p, len, "e1", IMAGE_JPEG, 300, 200, want, 1, 0);
	ck_assert_int_eq(image_ingest(q, len, dir, "e1", &info, err,
	    sizeof(err)), IMAGE_ERR_EXISTS);
	ck_assert_int_eq(entries(dir), 2);
	g_free(p);
	g_free(q);
}
END_TEST

/* The directory cannot be made: an error of the shop, not the upload. */
START_TEST(bad_io)
{
	struct image_info	 info;
	char			 err[256], path[128];
	size_t			 len;
	void			*p = upload(100, 100, 3, K_JPEG, &len);
	FILE			*f;

	snprintf(path, sizeof(path), "%s/file", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	snprintf(path, sizeof(path), "%s/file/media", dir);
	ck_assert_int_eq(image_ingest(p, len, path, "p1", &info, err,
	    sizeof(err)), IMAGE_ERR_IO);
	ck_assert_ptr_nonnull(strstr(err, "Not a directory"));
	ck_assert(!image_err_is_upload(IMAGE_ERR_IO));
	ck_assert_int_eq(entries(dir), 1);
	g_free(p);
}
END_TEST

/* A missing media directory is made. */
START_TEST(makes_dir)
{
	struct image_info	 info;
	struct stat		 st;
	char			 err[256], path[128];
	size_t			 len;
	void			*p = upload(100, 100, 3, K_WEBP, &len);

	snprintf(path, sizeof(path), "%s/media", dir);
	ck_assert_int_eq(image_ingest(p, len, path, "p1", &info, err,
	    sizeof(err)), IMAGE_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(entries(path), 2);
	ck_assert_int_eq(image_remove(path, "p1", err, sizeof(err)), 2);
	g_free(p);
}
END_TEST

START_TEST(remove_one)
{
	struct image_info	 info;
	char			 err[256], path[128];
	size_t			 len;
	void			*p = upload(700, 100, 3, K_JPEG, &len);
	FILE			*f;
	const char		*keep[] = { "a-320.png", "a-x.webp", "a-.jpg",
	    "a-1-320.webp" };
	size_t			 i;

	ck_assert_int_eq(image_ingest(p, len, dir, "a", &info, err,
	    sizeof(err)), IMAGE_OK);
	ck_assert_int_eq(image_ingest(p, len, dir, "a-1", &info, err,
	    sizeof(err)), IMAGE_OK);
	ck_assert_int_eq(image_ingest(p, len, dir, "b", &info, err,
	    sizeof(err)), IMAGE_OK);
	for (i = 1; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, keep[i]);
		ck_assert_ptr_nonnull(f = fopen(path, "w"));
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, keep[0]);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(entries(dir), 18 + 3);
	ck_assert_int_eq(image_remove(dir, "a", err, sizeof(err)), 6);
	ck_assert_int_eq(entries(dir), 12 + 3);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, keep[i]);
		ck_assert_int_eq(access(path, F_OK), 0);
	}
	ck_assert_int_eq(image_remove(dir, "a", err, sizeof(err)), 0);
	ck_assert_int_eq(image_remove(dir, "a-1", err, sizeof(err)), 6);
	ck_assert_int_eq(image_remove(dir, "b", err, sizeof(err)), 6);
	ck_assert_int_eq(entries(dir), 3);
	snprintf(path, sizeof(path), "%s/none", dir);
	ck_assert_int_eq(image_remove(path, "a", err, sizeof(err)), 0);
	g_free(p);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(image_err_names[IMAGE_OK], "ok");
	ck_assert_str_eq(image_err_names[IMAGE_ERR_PIXELS], "pixels");
	ck_assert_str_eq(image_err_names[IMAGE_ERR_LIBRARY], "library");
	ck_assert_str_eq(image_format_names[IMAGE_WEBP], "webp");
	ck_assert(!image_err_is_upload(IMAGE_OK));
	ck_assert(image_err_is_upload(IMAGE_ERR_EMPTY));
	ck_assert(!image_err_is_upload(IMAGE_ERR_NAME));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("image");
	TCase	*good = tcase_create("good");
	TCase	*bad = tcase_create("bad");
	SRunner	*sr;
	int	 failed;

	/* Under valgrind, encoding takes its time. */
	tcase_set_timeout(good, 300);
	tcase_set_timeout(bad, 300);
	tcase_add_checked_fixture(good, setup, teardown);
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(good, good_jpeg_wide);
	tcase_add_test(good, good_png_alpha);
	tcase_add_test(good, good_webp_small);
	tcase_add_test(good, good_exact_widths);
	tcase_add_test(good, metadata_stripped);
	tcase_add_test(good, cmyk_to_srgb);
	tcase_add_test(good, rotated);
	tcase_add_test(good, check_writes_nothing);
	tcase_add_test(good, makes_dir);
	tcase_add_test(good, remove_one);
	tcase_add_test(good, names);
	tcase_add_test(bad, bad_gif);
	tcase_add_test(bad, bad_tiff);
	tcase_add_test(bad, bad_svg);
	tcase_add_test(bad, bad_text_named_jpg);
	tcase_add_test(bad, bad_truncated);
	tcase_add_test(bad, bad_side);
	tcase_add_test(bad, bad_bomb);
	tcase_add_test(bad, bad_empty);
	tcase_add_test(bad, bad_bytes);
	tcase_add_test(bad, bad_name);
	tcase_add_test(bad, bad_exists);
	tcase_add_test(bad, bad_io);
	suite_add_tcase(s, good);
	suite_add_tcase(s, bad);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
