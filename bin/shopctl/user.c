/*
 * shopctl user add [--admin | --staff] email name: make an account from the
 * command line, the back office's first administrator in particular (staff
 * run orders, stock and customers; administrators everything). The password
 * is the first line of standard input; with none, a random one is made and
 * printed once.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "core/arena.h"
#include "core/text.h"
#include "data/db.h"
#include "web/form.h"
#include "shop/auth.h"
#include "shop/user.h"
#include "shopctl.h"

/* The first line of standard input without its end, or "" at EOF. */
static int
read_password(char *pw, size_t len)
{
	size_t	n;

	if (fgets(pw, (int)len, stdin) == NULL) {
		pw[0] = '\0';
		return 0;
	}
	n = strcspn(pw, "\r\n");
	if (pw[n] == '\0' && n == len - 1) {
		ctl_err("the password is longer than %d characters",
		    AUTH_PASSWORD_MAX);
		return -1;
	}
	pw[n] = '\0';
	return 0;
}

int
ctl_user(struct ctl *c, int argc, char **argv)
{
	struct db		*d;
	enum role		 role = ROLE_CUSTOMER;
	enum user_result	 res;
	char			 pw[AUTH_PASSWORD_MAX * 4 + 2], hash[AUTH_HASH_LEN];
	unsigned char		 rnd[15];
	const char		*email, *name;
	long long		 id;
	int			 i = 2;
	bool			 made = false;

	if (argc < 2 || strcmp(argv[1], "add") != 0)
		goto usage;
	if (i < argc && strcmp(argv[i], "--admin") == 0) {
		role = ROLE_ADMIN;
		i++;
	} else if (i < argc && strcmp(argv[i], "--staff") == 0) {
		role = ROLE_STAFF;
		i++;
	}
	if (argc - i != 2)
		goto usage;
	email = user_email_normalize(c->arena, argv[i]);
	name = argv[i + 1];
	if (strlen(email) > USER_EMAIL_MAX ||
	    !form_match(FORM_EMAIL, email, strlen(email))) {
		ctl_err("not an email address: %s", argv[i]);
		return 2;
	}
	if (text_utf8_chars(name) < 1 || text_utf8_chars(name) > USER_NAME_MAX ||
	    !form_match(FORM_TEXT, name, strlen(name))) {
		ctl_err("a name is 1 to %d characters of text", USER_NAME_MAX);
		return 2;
	}
	if (read_password(pw, sizeof(pw)) != 0)
		return 2;
	if (pw[0] == '\0') {
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2base64(pw, sizeof(pw), rnd, sizeof(rnd),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		made = true;
	} else if (text_utf8_chars(pw) < AUTH_PASSWORD_MIN ||
	    text_utf8_chars(pw) > AUTH_PASSWORD_MAX ||
	    !form_match(FORM_PASSWORD, pw, strlen(pw))) {
		ctl_err("a password is %d to %d characters, without control "
		    "characters", AUTH_PASSWORD_MIN, AUTH_PASSWORD_MAX);
		sodium_memzero(pw, sizeof(pw));
		return 2;
	}
	if ((d = ctl_open(c, DB_PRIMARY, 0)) == NULL) {
		sodium_memzero(pw, sizeof(pw));
		return 1;
	}
	if (auth_hash(pw, hash) != 0) {
		ctl_err("could not hash the password (out of memory)");
		sodium_memzero(pw, sizeof(pw));
		return 1;
	}
	res = user_create(d, email, name, hash, role, &id);
	sodium_memzero(hash, sizeof(hash));
	if (res == USER_EXISTS) {
		ctl_err("an account uses %s already", email);
		sodium_memzero(pw, sizeof(pw));
		return 1;
	}
	if (res != USER_OK) {
		ctl_err("could not add the account: %s", db_errmsg(d));
		sodium_memzero(pw, sizeof(pw));
		return 1;
	}
	ctl_say(c, "user add: %s %s, id %lld\n", role_names[role], email,
	    id);
	if (made)
		printf("password: %s\n", pw);
	sodium_memzero(pw, sizeof(pw));
	return 0;
usage:
	ctl_err("usage: shopctl user add [--admin | --staff] email name "
	    "(password on standard input)");
	return 2;
}
