/*
 * Forms: a program declares each form as a static table of fields (name,
 * label, type, limits); form_read() validates a request's fields against
 * it in one place, and handlers read only values that passed.
 *
 * Each type is checked by a fixed PCRE2 pattern, compiled once per
 * process and run under SHOP_PCRE_MATCH_LIMIT and SHOP_PCRE_DEPTH_LIMIT,
 * after the checks every text gets: well-formed UTF-8 (the parsers see to
 * that), no control characters, leading and trailing spaces trimmed
 * (except in passwords), and a length in characters within the field's
 * limits. Integers are then parsed with strtoll and range-checked.
 *
 * A failed form is answered by page_form_fail() (app/page.h): 422 with the page re-rendered
 * and each message next to its field for a browser, or
 * {"ok":false,"errors":{"field":"message"}} for a JSON client. Form-wide
 * messages ("Email or password is incorrect.") use the name "form".
 */
#ifndef SHOP_FORM_H
#define SHOP_FORM_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct kvlist;
struct req;
struct tval;

enum form_type {
	FORM_TEXT,		/* one line of text */
	FORM_EMAIL,		/* WHATWG "valid email address", lower-cased */
	FORM_PASSWORD,		/* kept as typed; never shown back */
	FORM_INT,		/* decimal digits, min..max; "-" if min < 0 */
	FORM_COUNTRY,		/* ISO 3166-1 alpha-2, upper-cased */
	FORM_POSTCODE,		/* letters, digits, spaces, hyphens */
	FORM_PHONE,		/* digits and + ( ) . - spaces */
	FORM_CHECKBOX,		/* present and "on", "1", "true" or "yes" */
	FORM_TOKEN,		/* 43 base64url characters (links in mail) */
	FORM_PATH,		/* a path on this site, for "next" */
	FORM_TEXTAREA,		/* lines of text: tabs and newlines allowed */
	FORM_CHOICE,		/* one of the field's choices */
	FORM_FILE,		/* a file of a multipart body: see form_read() */
	FORM_TYPE__MAX
};

extern const char *const form_type_names[FORM_TYPE__MAX];

enum form_flag {
	FORM_REQUIRED	= 1u << 0,
	FORM_HIDDEN	= 1u << 1,	/* rendered as <input type=hidden> */
};

struct form_field {
	const char	*name;
	const char	*label;
	enum form_type	 type;
	unsigned	 flags;
	long long	 min;		/* characters, or the lowest integer */
	long long	 max;		/* characters, or the highest integer */
	const char	*autocomplete;	/* HTML autocomplete token, or NULL */
	const char	*hint;		/* shown under the label, or NULL */
	const char	*message;	/* instead of the type's, or NULL */
};

struct form {
	const struct form_field	*fields;
	size_t			 n;
	const char		**values;	/* normalized; "" when absent */
	long long		*ints;		/* FORM_INT and FORM_CHECKBOX */
	const char		**errors;	/* NULL where the field is fine */
	const char *const	**choices;	/* FORM_CHOICE: form_choices() */
	const char		*error;		/* form-wide message, or NULL */
	size_t			 nerrors;
	const char		*prefix;	/* of ids: form_prefix() */
};

/* An empty form over a field table (values ""), in the arena. */
void		 form_init(struct form *, struct arena *,
		    const struct form_field *, size_t n);

/*
 * The choices of a FORM_CHOICE field, before form_read(): values and
 * labels in turn, then NULL ("staff", "Staff", "admin", "Administrator",
 * NULL); the array must outlive the form. A choice field without them
 * takes no value.
 */
void		 form_choices(struct form *, const char *name,
		    const char *const *choices);

/*
 * The ids of the form's fields become "f-<prefix><name>" instead of
 * "f-<name>", for a page with several forms of the same fields (one per
 * row of a list); prefix must outlive the form.
 */
void		 form_prefix(struct form *, const char *prefix);

/*
 * Validate every field of the table from src (the request's form or
 * query). Returns true if all passed. Fields not in the table are
 * ignored. A FORM_FILE field is not read: its file is among the
 * request's uploads, which the handler checks (and reports on with
 * form_error()); FORM_REQUIRED only marks its input required.
 */
bool		 form_read(struct form *, struct arena *, const struct kvlist *src);

/* A field's value; the field must be in the table. */
const char	*form_str(const struct form *, const char *name);
/* A field's message, or NULL while it has none. */
const char	*form_field_error(const struct form *, const char *name);
long long	 form_int(const struct form *, const char *name);
bool		 form_bool(const struct form *, const char *name);

/*
 * Prefill a field (edit forms), or record a handler's own finding about
 * one (replacing any message it had; name NULL or "form": form-wide).
 */
void		 form_set(struct form *, const char *name, const char *value);
void		 form_error(struct form *, const char *name, const char *msg);

/*
 * The fields as a list for templates, in table order: name, id
 * ("f-<name>", or with the prefix), label, hint and hint_id, input (HTML type), value (empty
 * for passwords), error and error_id, describedby (the ids of hint and
 * error), required, hidden, checkbox, checked, country_select (a
 * FORM_COUNTRY field, which templates/form/field.mustache shows as a
 * list of the countries the page gives), min and max (integers),
 * maxlength, autocomplete; textarea; select with options (value, label,
 * selected) for a FORM_CHOICE.
 */
struct tval	*form_tval(struct arena *, const struct form *);

/* {"field": "message", ...}, the form-wide one as "form". */
struct tval	*form_errors_tval(struct arena *, const struct form *);

/* The id form_tval() gives field i of the form, in the arena. */
const char	*form_field_id(struct arena *, const struct form *, size_t i);


/*
 * Whether s (n bytes) matches the pattern of type t: what form_read()
 * uses, for tests and for values that do not come from a form.
 */
bool		 form_match(enum form_type t, const char *s, size_t n);

#endif
