/*
 * Mail composition (RFC 5322, MIME: RFC 2045-2047) and delivery, to files
 * or over SMTP (RFC 5321) with libcurl.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/text.h"
#include "ext/mail.h"

int
mail_address_ok(const char *s)
{
	const char	*at, *p;
	size_t		 n;

	if (s == NULL || (n = strlen(s)) < 3 || n > 254)
		return 0;
	/* A domain may be dotless ("localhost"): the sender often is. */
	if ((at = strchr(s, '@')) == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || at[1] == '.' ||
	    s[n - 1] == '.')
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == '(' || *p == ')' || *p == ',' || *p == ';' ||
		    *p == ':' || *p == '\\' || *p == '"' || *p == '[' ||
		    *p == ']' || (unsigned char)*p == 0x7f)
			return 0;
	return 1;
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/*
 * A header value: as is when printable ASCII, else RFC 2047 encoded words
 * ("=?UTF-8?B?...?="), each encoding at most 45 bytes and never splitting
 * a UTF-8 sequence.
 */
static void
header_text(struct buf *b, const char *s)
{
	size_t	n = strlen(s), i = 0, k;
	char	enc[128];

	if (is_ascii(s)) {
		buf_puts(b, s);
		return;
	}
	while (i < n) {
		k = n - i > 45 ? 45 : n - i;
		while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k--;
		sodium_bin2base64(enc, sizeof(enc),
		    (const unsigned char *)s + i, k,
		    sodium_base64_VARIANT_ORIGINAL);
		buf_printf(b, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", enc);
		i += k;
	}
}

/* Quoted-printable (RFC 2045, 6.7), lines of at most 76 characters. */
static void
quoted_printable(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 col = 0;
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		char	 tmp[4];
		size_t	 w;

		if (*p == '\n') {
			buf_puts(b, "\r\n");
			col = 0;
			continue;
		}
		if (*p == '\r')
			continue;
		if ((*p >= 33 && *p <= 126 && *p != '=') ||
		    ((*p == ' ' || *p == '\t') && p[1] != '\n' &&
		    p[1] != '\r' && p[1] != '\0')) {
			tmp[0] = (char)*p;
			w = 1;
		} else {
			tmp[0] = '=';
			tmp[1] = hex[*p >> 4];
			tmp[2] = hex[*p & 15];
			w = 3;
		}
		if (col + w > 75) {
			buf_puts(b, "=\r\n");
			col = 0;
		}
		buf_append(b, tmp, w);
		col += w;
	}
	buf_puts(b, "\r\n");
}

static int
header_safe(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

int
mail_compose(const struct config *cfg, const struct mail *m, struct buf *out,
    char *err, size_t errlen)
{
	unsigned char	 rnd[12];
	char		 id[25], date[64];
	const char	*dom;
	time_t		 now = (time_t)clock_now();
	struct tm	 tm;

	if (!mail_address_ok(m->to) || !mail_address_ok(cfg->mail_from)) {
		snprintf(err, errlen, "not a deliverable address");
		return -1;
	}
	if (!header_safe(m->subject) || !header_safe(m->to_name) ||
	    m->subject == NULL || m->text == NULL ||
	    !text_utf8_valid(m->subject, strlen(m->subject)) ||
	    (m->to_name && !text_utf8_valid(m->to_name, strlen(m->to_name))) ||
	    !text_utf8_valid(m->text, strlen(m->text)) ||
	    (m->html && !text_utf8_valid(m->html, strlen(m->html)))) {
		snprintf(err, errlen, "mail with a missing part, a line break "
		    "in a header, or text that is not UTF-8");
		return -1;
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(id, sizeof(id), rnd, sizeof(rnd));
	dom = strchr(cfg->mail_from, '@') + 1;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

	buf_puts(out, "From: ");
	header_text(out, cfg->name);
	buf_printf(out, " <%s>\r\nTo: ", cfg->mail_from);
	if (m->to_name != NULL && *m->to_name != '\0') {
		if (is_ascii(m->to_name) && strpbrk(m->to_name,
		    "()<>[]:;@\\,.\"") == NULL)
			buf_puts(out, m->to_name);
		else if (is_ascii(m->to_name)) {
			buf_putc(out, '"');
			for (const char *p = m->to_name; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_putc(out, '\\');
				buf_putc(out, *p);
			}
			buf_putc(out, '"');
		} else
			header_text(out, m->to_name);
		buf_printf(out, " <%s>\r\n", m->to);
	} else
		buf_printf(out, "%s\r\n", m->to);
	buf_puts(out, "Subject: ");
	header_text(out, m->subject);
	buf_printf(out, "\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n"
	    "MIME-Version: 1.0\r\n", date, id, dom);
	if (m->html == NULL) {
		buf_puts(out, "Content-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
		quoted_printable(out, m->text);
		return 0;
	}
	buf_printf(out, "Content-Type: multipart/alternative; "
	    "boundary=\"=_%s\"\r\n\r\n", id);
	buf_printf(out, "--=_%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", id);
	quoted_printable(out, m->text);
	buf_printf(out, "--=_%s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", id);
	quoted_printable(out, m->html);
	buf_printf(out, "--=_%s--\r\n", id);
	return 0;
}

/* Write the message to <data>/mail/<time>-<random>.eml via a temp file. */
static int
deliver_file(const struct config *cfg, const struct buf *msg, char *err,
    size_t errlen)
{
	char		 dir[4096], tmp[4200], path[4200], rnd_hex[17];
	unsigned char	 rnd[8];
	int		 fd;
	ssize_t		 w;
	size_t		 off = 0;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/mail", cfg->data_dir) >=
	    sizeof(dir)) {
		snprintf(err, errlen, "mail directory path too long");
		return -1;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rnd_hex, sizeof(rnd_hex), rnd, sizeof(rnd));
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, rnd_hex);
	snprintf(path, sizeof(path), "%s/%lld-%s.eml", dir,
	    clock_now(), rnd_hex);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < msg->len) {
		if ((w = write(fd, msg->p + off, msg->len - off)) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The parts of SMTP_URL that libcurl is given separately. */
struct smtp_target {
	char		*url;		/* scheme://host[:port][/domain] */
	char		*user;		/* NULL without userinfo */
	char		*password;
	curl_usessl	 tls;
};

static void
smtp_target_free(struct smtp_target *t)
{
	curl_free(t->url);
	curl_free(t->user);
	curl_free(t->password);
	memset(t, 0, sizeof(*t));
}

/*
 * Split SMTP_URL: "smtp://" or "smtps://" (TLS from the first byte),
 * userinfo for AUTH, and a query of one flag: "starttls=required",
 * "starttls=try" or "starttls=no". Without the flag, smtp:// requires
 * STARTTLS when it has credentials (they are never sent in the clear)
 * and tries it otherwise. Returns 0, or -1 with the reason in err.
 */
static int
smtp_target(const char *spec, struct smtp_target *t, char *err, size_t errlen)
{
	CURLU	*u;
	char	*scheme = NULL, *query = NULL;
	int	 rc = -1;
	bool	 smtps;

	memset(t, 0, sizeof(*t));
	if ((u = curl_url()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, spec, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		snprintf(err, errlen, "SMTP_URL is not a URL");
		goto out;
	}
	if (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) {
		snprintf(err, errlen, "SMTP_URL must start with smtp:// or "
		    "smtps://");
		goto out;
	}
	smtps = strcmp(scheme, "smtps") == 0;
	(void)curl_url_get(u, CURLUPART_USER, &t->user, CURLU_URLDECODE);
	(void)curl_url_get(u, CURLUPART_PASSWORD, &t->password,
	    CURLU_URLDECODE);
	t->tls = smtps ? CURLUSESSL_ALL : t->user != NULL ? CURLUSESSL_ALL :
	    CURLUSESSL_TRY;
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		if (strcmp(query, "starttls=required") == 0)
			t->tls = CURLUSESSL_ALL;
		else if (strcmp(query, "starttls=try") == 0 && !smtps)
			t->tls = CURLUSESSL_TRY;
		else if (strcmp(query, "starttls=no") == 0 && !smtps)
			t->tls = CURLUSESSL_NONE;
		else {
			snprintf(err, errlen, "SMTP_URL: unknown query \"%s\" "
			    "(starttls=required, try or no)", query);
			goto out;
		}
	}
	if (curl_url_set(u, CURLUPART_QUERY, NULL, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &t->url, 0) != CURLUE_OK) {
		snprintf(err, errlen, "SMTP_URL cannot be used");
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(query);
	curl_url_cleanup(u);
	if (rc != 0)
		smtp_target_free(t);
	return rc;
}

struct reader {
	const struct buf	*msg;
	size_t			 off;
};

static size_t
smtp_read(char *p, size_t size, size_t n, void *arg)
{
	struct reader	*r = arg;
	size_t		 left = r->msg->len - r->off, want = size * n;

	if (want > left)
		want = left;
	memcpy(p, r->msg->p + r->off, want);
	r->off += want;
	return want;
}

/*
 * Send msg over SMTP (RFC 5321) to one recipient; libcurl does the
 * dialogue, STARTTLS or implicit TLS with certificate checks, AUTH, and
 * the dot-stuffing of DATA. Returns 0; -1 for a failure that may pass
 * (connection, timeout, 4xx); -2 when the server refused for good (5xx).
 */
static int
deliver_smtp(const struct config *cfg, const struct mail *m,
    const struct buf *msg, char *err, size_t errlen)
{
	struct smtp_target	 t;
	struct curl_slist	*rcpt = NULL;
	struct reader		 rd = { msg, 0 };
	char			 from[300], to[300], cerr[CURL_ERROR_SIZE];
	CURL			*c;
	CURLcode		 cc;
	long			 code = 0;
	int			 rc = -1;

	if (smtp_target(cfg->smtp_url, &t, err, errlen) != 0)
		return -2;
	if ((c = curl_easy_init()) == NULL) {
		smtp_target_free(&t);
		snprintf(err, errlen, "curl_easy_init failed");
		return -1;
	}
	snprintf(from, sizeof(from), "<%s>", cfg->mail_from);
	snprintf(to, sizeof(to), "<%s>", m->to);
	cerr[0] = '\0';
	if ((rcpt = curl_slist_append(NULL, to)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, t.url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)t.tls);
	if (t.user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, t.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
		    t.password ? t.password : "");
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &rd);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)MAIL_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)MAIL_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cc == CURLE_OK)
		rc = 0;
	else {
		rc = code >= 500 && code <= 599 ? -2 : -1;
		snprintf(err, errlen, "SMTP %s: %s%s(last reply %ld)", t.url,
		    cerr[0] ? cerr : curl_easy_strerror(cc), cerr[0] ? " " :
		    " ", code);
	}
out:
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	smtp_target_free(&t);
	return rc;
}

int
mail_deliver(const struct config *cfg, const struct mail *m, char *err,
    size_t errlen)
{
	struct buf	msg = { 0 };
	int		rc;

	if (mail_compose(cfg, m, &msg, err, errlen) != 0) {
		buf_free(&msg);
		return -2;
	}
	if (cfg->smtp_url != NULL)
		rc = deliver_smtp(cfg, m, &msg, err, errlen);
	else
		rc = deliver_file(cfg, &msg, err, errlen);
	buf_free(&msg);
	return rc;
}
