/*
 * Whether a new password may be chosen, as NIST SP 800-63B (5.1.1.2)
 * asks of a verifier, with no composition rules (no demand for digits,
 * capitals or symbols, which make passwords harder to remember and no
 * harder to guess). A password of at least AUTH_PASSWORD_MIN characters
 * (the forms check that) is refused when it is:
 *
 *   repetitive: a few characters only, or a short run repeated
 *	("        ", "aaaabbbb", "abcabcabc");
 *   sequential: all but one step to a neighbour, in the alphabet, the
 *	digits or a keyboard row ("12345678", "qwertyui", "1234abcd");
 *   the account's own: its email, the part before the @, or a word of
 *	its name of 4 characters or more;
 *   common: in cracklib's dictionary (Debian's cracklib-runtime, packed
 *	from /usr/share/dict/cracklib-small and whatever the operator adds
 *	there, such as a list of breached passwords, with update-cracklib),
 *	whole, or once digits and symbols around it are taken off
 *	("Password1!", "2024sunshine") and look-alike characters read as
 *	the letters they stand for ("P@ssw0rd").
 *
 * Only exact entries of the list count: a password is not refused for
 * holding a dictionary word somewhere in it, so passphrases of common
 * words ("correct horse") pass. A dictionary that cannot be opened is
 * logged once and that part skipped.
 */
#ifndef SHOP_PWCHECK_H
#define SHOP_PWCHECK_H

/*
 * NULL if password may be chosen by the account of email and name
 * (either may be NULL), else the reason, a sentence for the form.
 */
const char	*pwcheck(const char *password, const char *email,
		    const char *name);

#endif
