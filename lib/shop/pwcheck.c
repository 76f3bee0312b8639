/*
 * Checking new passwords (see pwcheck.h).
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <crack.h>
#include <packer.h>

#include "core/log.h"
#include "shop/pwcheck.h"

#define CHOOSE	" Please choose another: a few unrelated words make a good one."

static const char msg_common[] = "This password is one of the most common "
    "ones, the first an attacker tries." CHOOSE;
static const char msg_repeats[] = "This password repeats a few characters, "
    "which makes it quick to guess." CHOOSE;
static const char msg_sequence[] = "This password is a sequence, like "
    "12345678 or qwertyui, which makes it quick to guess." CHOOSE;
static const char msg_yours[] = "This password is made of your name or "
    "email address, the first thing someone who knows you would try."
    CHOOSE;

/* Longest password looked at; the forms allow AUTH_PASSWORD_MAX. */
#define PW_MAX		1024
/* The shortest part of a name or email that is looked for. */
#define CONTEXT_MIN	4

static const char *const rows[] = {
	"`1234567890-=",
	"qwertyuiop[]\\",
	"asdfghjkl;'",
	"zxcvbnm,./",
};

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool
is_letter(char c)
{
	return c >= 'a' && c <= 'z';
}

/* Whether b follows a on a keyboard row, either way. */
static bool
row_neighbours(char a, char b)
{
	const char	*p, *q;
	size_t		 i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if ((p = strchr(rows[i], a)) != NULL && a != '\0' &&
		    (q = strchr(rows[i], b)) != NULL && b != '\0' &&
		    (p - q == 1 || q - p == 1))
			return true;
	return false;
}

static bool
repetitive(const char *s, size_t n)
{
	bool	seen[256] = { false };
	size_t	i, p, distinct = 0;

	for (i = 0; i < n; i++)
		if (!seen[(unsigned char)s[i]]) {
			seen[(unsigned char)s[i]] = true;
			distinct++;
		}
	if (distinct < 4)
		return true;
	for (p = 1; p <= n / 2; p++) {
		for (i = p; i < n && s[i] == s[i - p]; i++)
			;
		if (i == n)
			return true;
	}
	return false;
}

static bool
sequential(const char *s, size_t n)
{
	size_t	i, jumps = 0;
	int	d;

	for (i = 0; i + 1 < n; i++) {
		d = (unsigned char)s[i + 1] - (unsigned char)s[i];
		if (d < -1 || d > 1) {
			if (!row_neighbours(s[i], s[i + 1]))
				jumps++;
		}
	}
	return jumps <= 1;
}

/* Whether s holds word (at least CONTEXT_MIN long), or is it. */
static bool
holds(const char *s, const char *word, size_t wn)
{
	char	w[PW_MAX];
	size_t	i;

	if (wn == 0 || wn >= sizeof(w))
		return false;
	for (i = 0; i < wn; i++)
		w[i] = lower(word[i]);
	w[wn] = '\0';
	if (strcmp(s, w) == 0)
		return true;
	return wn >= CONTEXT_MIN && strstr(s, w) != NULL;
}

static bool
the_accounts(const char *s, const char *email, const char *name)
{
	const char	*at, *p;
	size_t		 n;

	if (email != NULL && *email != '\0') {
		if (holds(s, email, strlen(email)))
			return true;
		if ((at = strchr(email, '@')) != NULL &&
		    holds(s, email, (size_t)(at - email)))
			return true;
		/* The parts of the local part: "ann.lee" gives "ann", "lee". */
		for (p = email; at != NULL && p < at; p += n + 1) {
			n = strcspn(p, ".+-_@");
			if (p + n > at)
				n = (size_t)(at - p);
			if (holds(s, p, n) && n >= CONTEXT_MIN)
				return true;
		}
	}
	if (name != NULL && *name != '\0') {
		if (holds(s, name, strlen(name)))
			return true;
		for (p = name; *p != '\0'; p += n + (p[n] != '\0')) {
			n = strcspn(p, " -'.");
			if (n >= CONTEXT_MIN && holds(s, p, n))
				return true;
		}
	}
	return false;
}

/* cracklib's packed dictionary, opened once per process. */
static pthread_mutex_t	 dict_lock = PTHREAD_MUTEX_INITIALIZER;
static PWDICT		*dict;
static unsigned int	 dict_miss;	/* what FindPW answers for "none" */
static bool		 dict_tried;

/*
 * FindPW() answers the number of words for a word that is not there, a
 * number packer.h keeps to cracklib itself: it is learned once by
 * looking up a word no dictionary holds.
 */
static bool
dict_open(void)
{
	const char	*path = GetDefaultCracklibDict();
	char		 none[] = "\x01\x01";

	if (dict_tried)
		return dict != NULL;
	dict_tried = true;
	if ((dict = PWOpen(path, "r")) == NULL) {
		log_error("pwcheck: cannot open cracklib's dictionary %s "
		    "(Debian's cracklib-runtime): common passwords are not "
		    "refused", path);
		return false;
	}
	dict_miss = FindPW(dict, none);
	return true;
}

static bool
in_dict(const char *word)
{
	char	w[MAXWORDLEN];
	bool	found = false;

	if (strlen(word) < 4 || strlen(word) >= sizeof(w))
		return false;
	strcpy(w, word);
	pthread_mutex_lock(&dict_lock);
	if (dict_open())
		found = FindPW(dict, w) != dict_miss;
	pthread_mutex_unlock(&dict_lock);
	return found;
}

/* s with look-alike characters read as letters, into out. */
static void
unleet(const char *s, char *out)
{
	static const char	from[] = "0134579@$!|+";
	static const char	to[] = "oieastgasilt";
	const char		*p;

	for (; *s != '\0'; s++, out++)
		*out = (p = strchr(from, *s)) != NULL ? to[p - from] : *s;
	*out = '\0';
}

/* s without what is not a letter at either end, into out. */
static void
core_of(const char *s, char *out)
{
	size_t	n;

	while (*s != '\0' && !is_letter(*s))
		s++;
	n = strlen(s);
	while (n > 0 && !is_letter(s[n - 1]))
		n--;
	memcpy(out, s, n);
	out[n] = '\0';
}

static bool
common(const char *s)
{
	char	u[PW_MAX], c[PW_MAX];

	if (in_dict(s))
		return true;
	core_of(s, c);
	if (in_dict(c))
		return true;
	unleet(s, u);
	if (in_dict(u))
		return true;
	core_of(u, c);
	return in_dict(c);
}

const char *
pwcheck(const char *password, const char *email, const char *name)
{
	char	s[PW_MAX];
	size_t	i, n = strlen(password);

	if (n >= sizeof(s))
		return NULL;
	for (i = 0; i < n; i++)
		s[i] = lower(password[i]);
	s[n] = '\0';
	if (repetitive(s, n))
		return msg_repeats;
	if (sequential(s, n))
		return msg_sequence;
	if (the_accounts(s, email, name))
		return msg_yours;
	if (common(s))
		return msg_common;
	return NULL;
}
