/*
 * Bounded HTTPS downloads with libcurl (see fetch.h).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "ext/fetch.h"

struct fetch {
	struct buf	 body;
	size_t		 max;
	bool		 too_big;
};

static pthread_once_t	fetch_once = PTHREAD_ONCE_INIT;
static CURLcode		fetch_init_rc;

static void
fetch_init(void)
{
	fetch_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct fetch	*f = arg;

	if (f->body.len + n > f->max) {
		f->too_big = true;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	buf_append(&f->body, p, n);
	return size * n;
}

int
fetch_https(const char *url, size_t max, struct buf *out, char *err,
    size_t errlen)
{
	struct fetch	 f = { .max = max };
	char		 cerr[CURL_ERROR_SIZE] = "";
	CURL		*c;
	CURLcode	 rc;
	long		 status = 0;

	if (url == NULL || strncasecmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "only https: addresses are fetched");
		return -1;
	}
	pthread_once(&fetch_once, fetch_init);
	if (fetch_init_rc != CURLE_OK || (c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl did not start");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)FETCH_CONNECT_SECONDS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)FETCH_TOTAL_SECONDS);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)FETCH_MAX_REDIRECTS);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(c, CURLOPT_USERAGENT, "Shopfile (libcurl)");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (f.too_big || rc == CURLE_FILESIZE_EXCEEDED)
		snprintf(err, errlen, "%s: larger than %zu bytes", url, max);
	else if (rc != CURLE_OK)
		snprintf(err, errlen, "%s: %s", url, cerr[0] ? cerr :
		    curl_easy_strerror(rc));
	else if (status < 200 || status > 299)
		snprintf(err, errlen, "%s: the server answered %ld", url,
		    status);
	else {
		buf_append(out, f.body.p ? f.body.p : "", f.body.len);
		buf_free(&f.body);
		return 0;
	}
	buf_free(&f.body);
	return -1;
}
