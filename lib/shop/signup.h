/*
 * Sign-ups confirmed by mail.
 *
 * A sign-up answers the same whatever the email, so that it cannot tell
 * anyone who has an account: signup_request() writes, in one write with
 * its mail queued through the outbox, either a pending sign-up and a
 * "send_signup_mail" job (the mail carries a link to finish), or, when
 * the email has an account already, a mail to its owner saying that
 * someone tried. The account is made only when the link is followed
 * (signup_confirm()), from what the sign-up recorded: so nobody can hold
 * an account in someone else's name before they do.
 *
 * Like a reset link, the link's token is made by the worker when it
 * writes the mail (signup_issue()) and only its hash is stored; it works
 * once, for SIGNUP_SECONDS, and only the newest sign-up of an email
 * works.
 */
#ifndef SHOP_SIGNUP_H
#define SHOP_SIGNUP_H

#include <stdbool.h>

#include "shop/user.h"

struct arena;
struct db;

#define SIGNUP_SECONDS		(24 * 3600)
/* Expired sign-ups deleted at a time when a new one is made. */
#define SIGNUP_SWEEP_BATCH	100

/*
 * Record a sign-up (own write): email normalized, hash made by
 * auth_hash(). *known (may be NULL) says which mail was queued: the
 * owner's warning (true) or the link to finish (false); send_mail false
 * queues neither (too many sign-ups for this email lately) but does the
 * same work otherwise. Returns USER_OK or USER_ERROR.
 */
enum user_result signup_request(struct db *, const char *email,
		    const char *name, const char *hash, bool send_mail,
		    bool *known);

/*
 * The worker's half, as user_reset_issue(): a fresh token for sign-up id
 * whose mail_key is key, its hash stored, while the sign-up can still be
 * finished. *email, *name (in the arena) and *expires_at describe it.
 * USER_OK, USER_NOT_FOUND (no mail is due) or USER_ERROR.
 */
enum user_result signup_issue(struct db *, struct arena *, long long id,
		    const char *key, char token[USER_TOKEN_LEN + 1],
		    char **email, char **name, long long *expires_at);

/*
 * The pending sign-up a token is valid for, or 0; -1 on error. *email
 * (in the arena) gets its email.
 */
long long	 signup_check(struct db *, struct arena *, const char *token,
		    char **email);

/*
 * Finish the sign-up of token (own write): the account is made and every
 * pending sign-up of its email deleted. Returns the new account's id, 0
 * if the token is not valid (or the email has an account by now), -1.
 */
long long	 signup_confirm(struct db *, const char *token);

#endif
