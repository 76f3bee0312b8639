/*
 * Fuzz target: product image uploads (lib/ext/image.c), the whole path
 * but writing: the checks on bytes and format, the header and its
 * bounds, the decoding and encoding of every size. An upload is either
 * refused with a message or gives sizes that are narrowest first, never
 * wider than the original, with heights in proportion.
 *
 * libvips and the libraries it decodes with are not built with coverage
 * here, so the fuzzer steers by lib/ext/image.c alone; ASan still sees
 * what they do to the memory they get from malloc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "ext/image.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_info	 info;
	char			 err[256];
	enum image_err		 e;
	size_t			 i;
	long long		 want;

	err[0] = '\0';
	e = image_check(data, size, &info, err, sizeof(err));
	if (e >= IMAGE_ERR__MAX)
		abort();
	if (e != IMAGE_OK) {
		if (err[0] == '\0' || info.nsizes != 0)
			abort();
		return 0;
	}
	if (info.format >= IMAGE_FORMAT__MAX || info.width < 1 ||
	    info.height < 1 || info.width > IMAGE_MAX_SIDE ||
	    info.height > IMAGE_MAX_SIDE ||
	    (long long)info.width * info.height > IMAGE_MAX_PIXELS ||
	    info.nsizes < 1 || info.nsizes > IMAGE_MAX_SIZES)
		abort();
	for (i = 0; i < info.nsizes; i++) {
		if (info.sizes[i].width < 1 ||
		    info.sizes[i].width > info.width ||
		    info.sizes[i].height < 1 ||
		    info.sizes[i].height > info.height ||
		    info.sizes[i].webp[0] != '\0')
			abort();
		if (i > 0 && info.sizes[i].width <= info.sizes[i - 1].width)
			abort();
		/* In proportion, to a pixel or two of rounding. */
		want = (long long)info.height * info.sizes[i].width /
		    info.width;
		if (llabs(want - info.sizes[i].height) > 2 &&
		    info.sizes[i].height != 1)
			abort();
	}
	return 0;
}
