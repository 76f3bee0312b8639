/*
 * Mail composition (RFC 5322, MIME: RFC 2045-2047) and delivery to files.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "mail.h"
#include "text.h"

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
	time_t		 now = time(NULL);
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
	    (long long)time(NULL), rnd_hex);
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

int
mail_deliver(const struct config *cfg, const struct mail *m, char *err,
    size_t errlen)
{
	struct buf	msg = { 0 };
	int		rc;

	if (mail_compose(cfg, m, &msg, err, errlen) != 0) {
		buf_free(&msg);
		return -1;
	}
	rc = deliver_file(cfg, &msg, err, errlen);
	buf_free(&msg);
	return rc;
}
