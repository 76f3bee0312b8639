/*
 * Form validation (see form.h): the patterns and messages of every field
 * type, in one table.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/arena.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/text.h"
#include "core/tval.h"
#include "web/form.h"
#include "web/http.h"

const char *const form_type_names[FORM_TYPE__MAX] = {
	"text",
	"email",
	"password",
	"int",
	"country",
	"postcode",
	"phone",
	"checkbox",
	"token",
	"path",
	"textarea",
	"choice",
	"file",
};

/*
 * Per type: the pattern a value must match (anchored, UTF mode), the HTML
 * input type, and what to say when it does not ("%s" is the label).
 */
static const struct {
	const char	*pattern;
	const char	*input;
	const char	*message;
} types[FORM_TYPE__MAX] = {
	/* FORM_TEXT */
	{ "^[^\\x{0}-\\x{1f}\\x{7f}]*$", "text",
	  "%s must not hold control characters." },
	/* FORM_EMAIL: the WHATWG "valid email address" pattern. */
	{ "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]"
	  "(?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
	  "(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", "email",
	  "Enter an email address like name@example.com." },
	/* FORM_PASSWORD */
	{ "^[^\\x{0}-\\x{1f}\\x{7f}]*$", "password",
	  "%s must not hold control characters." },
	/* FORM_INT */
	{ "^[0-9]{1,18}$", "number",
	  "Enter a whole number from %lld to %lld." },
	/* FORM_COUNTRY */
	{ "^[A-Za-z]{2}$", "text",
	  "Enter a two-letter country code, like FR or US." },
	/* FORM_POSTCODE */
	{ "^[A-Za-z0-9](?:[A-Za-z0-9 -]*[A-Za-z0-9])?$", "text",
	  "%s may hold only letters, digits, spaces and hyphens." },
	/* FORM_PHONE */
	{ "^\\+?[0-9 ().-]+$", "tel",
	  "%s may hold only digits, spaces and + ( ) . -" },
	/* FORM_CHECKBOX */
	{ "^(?:on|1|true|yes|0|false|no|off)?$", "checkbox",
	  "%s must be on or off." },
	/* FORM_TOKEN */
	{ "^[A-Za-z0-9_-]{43}$", "hidden",
	  "This link is not valid. Please ask for a new one." },
	/* FORM_PATH: a path here, never "//host" or "/\\host". */
	{ "^/(?![/\\\\])[!-\\[\\]-~]*$", "hidden",
	  "%s is not a path on this site." },
	/* FORM_TEXTAREA: tabs, line feeds and carriage returns allowed. */
	{ "^[^\\x{0}-\\x{8}\\x{b}\\x{c}\\x{e}-\\x{1f}\\x{7f}]*$", "textarea",
	  "%s must not hold control characters." },
	/* FORM_CHOICE: then one of the field's choices. */
	{ "^[A-Za-z0-9_.-]{1,64}$", "select",
	  "%s: choose one from the list." },
	/* FORM_FILE: never matched; the handler checks the upload. */
	{ "^$", "file",
	  "Choose a file for %s." },
};

static pcre2_code		*compiled[FORM_TYPE__MAX];
static pcre2_match_context	*mctx;
static pthread_once_t		 compile_once = PTHREAD_ONCE_INIT;

/* Compile every pattern once per process; a bad one is a bug: abort. */
static void
compile_all(void)
{
	PCRE2_UCHAR	msg[256];
	PCRE2_SIZE	off;
	int		i, ec;

	mctx = pcre2_match_context_create(NULL);
	if (mctx == NULL)
		abort();
	pcre2_set_match_limit(mctx, SHOP_PCRE_MATCH_LIMIT);
	pcre2_set_depth_limit(mctx, SHOP_PCRE_DEPTH_LIMIT);
	for (i = 0; i < FORM_TYPE__MAX; i++) {
		compiled[i] = pcre2_compile((PCRE2_SPTR)types[i].pattern,
		    PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
		if (compiled[i] == NULL) {
			pcre2_get_error_message(ec, msg, sizeof(msg));
			log_msg(LL_FATAL, "form: pattern of %s at %zu: %s",
			    form_type_names[i], (size_t)off, (char *)msg);
			abort();
		}
	}
}

bool
form_match(enum form_type t, const char *s, size_t n)
{
	pcre2_match_data	*md;
	int			 rc;

	if ((unsigned)t >= FORM_TYPE__MAX)
		return false;
	pthread_once(&compile_once, compile_all);
	if ((md = pcre2_match_data_create_from_pattern(compiled[t],
	    NULL)) == NULL)
		return false;
	rc = pcre2_match(compiled[t], (PCRE2_SPTR)s, n, 0, 0, md, mctx);
	pcre2_match_data_free(md);
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
		log_warn("form: %s pattern: error %d", form_type_names[t], rc);
	return rc >= 0;
}

void
form_init(struct form *f, struct arena *a, const struct form_field *fields,
    size_t n)
{
	size_t	i;

	memset(f, 0, sizeof(*f));
	f->fields = fields;
	f->n = n;
	f->values = arena_calloc(a, n ? n : 1, sizeof(*f->values));
	f->ints = arena_calloc(a, n ? n : 1, sizeof(*f->ints));
	f->errors = arena_calloc(a, n ? n : 1, sizeof(*f->errors));
	f->choices = arena_calloc(a, n ? n : 1, sizeof(*f->choices));
	for (i = 0; i < n; i++)
		f->values[i] = "";
}

static size_t
field_index(const struct form *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return i;
	log_error("form: no field %s in the table", name);
	abort();
}

void
form_choices(struct form *f, const char *name, const char *const *choices)
{
	f->choices[field_index(f, name)] = choices;
}

/* Record the first error of field i. */
static void
set_error(struct form *f, size_t i, const char *msg)
{
	if (f->errors[i] != NULL)
		return;
	f->errors[i] = msg;
	f->nerrors++;
}

/* The message of a type for a field: its label or its range filled in. */
static const char *
type_message(struct arena *a, const struct form_field *fd)
{
	const char	*fmt = fd->message != NULL ? fd->message :
			    types[fd->type].message;

	if (fd->type == FORM_INT)
		return arena_printf(a, fmt, fd->min, fd->max);
	if (strstr(fmt, "%s") != NULL)
		return arena_printf(a, fmt, fd->label);
	return fmt;
}

/* ASCII case change in place. */
static void
ascii_case(char *s, bool upper)
{
	for (; *s != '\0'; s++) {
		if (upper && *s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
		else if (!upper && *s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

/* Whether v is one of the choices c of a FORM_CHOICE field. */
static bool
choice_known(const char *const *c, const char *v)
{
	for (; c != NULL && c[0] != NULL && c[1] != NULL;
	    c += 2)
		if (strcmp(c[0], v) == 0)
			return true;
	return false;
}

/* One field: the checks of form.h in order; the first failure is kept. */
static void
read_field(struct form *f, struct arena *a, size_t i, const char *raw)
{
	const struct form_field	*fd = &f->fields[i];
	const char		*m;
	char			*v, *end;
	size_t			 chars;
	long long		 x;

	if (fd->type == FORM_FILE)
		return;
	if (raw == NULL)
		raw = "";
	if (!text_utf8_valid(raw, strlen(raw))) {
		set_error(f, i, arena_printf(a, "%s is not valid text.",
		    fd->label));
		return;
	}
	v = fd->type == FORM_PASSWORD ? arena_strdup(a, raw) :
	    text_trim(a, raw);
	if (fd->type == FORM_CHECKBOX) {
		if (!form_match(fd->type, v, strlen(v))) {
			set_error(f, i, type_message(a, fd));
			return;
		}
		f->ints[i] = strcmp(v, "on") == 0 || strcmp(v, "1") == 0 ||
		    strcmp(v, "true") == 0 || strcmp(v, "yes") == 0;
		f->values[i] = f->ints[i] ? "on" : "";
		return;
	}
	if (*v == '\0') {
		if (fd->flags & FORM_REQUIRED)
			set_error(f, i, arena_printf(a, "%s is required.",
			    fd->label));
		return;
	}
	f->values[i] = v;
	chars = text_utf8_chars(v);
	if (fd->type != FORM_INT && fd->max > 0 && chars > (size_t)fd->max) {
		set_error(f, i, arena_printf(a, "%s must be at most %lld "
		    "characters.", fd->label, fd->max));
		return;
	}
	if (fd->type != FORM_INT && fd->min > 0 && chars < (size_t)fd->min) {
		set_error(f, i, arena_printf(a, "%s must be at least %lld "
		    "characters.", fd->label, fd->min));
		return;
	}
	/* A negative integer where the range has some: its digits match. */
	m = v;
	if (fd->type == FORM_INT && fd->min < 0 && v[0] == '-')
		m++;
	if (!form_match(fd->type, m, strlen(m))) {
		if (fd->type == FORM_PATH) {
			/* A bad "next" is dropped, not argued about. */
			f->values[i] = "";
			return;
		}
		set_error(f, i, type_message(a, fd));
		return;
	}
	switch (fd->type) {
	case FORM_EMAIL:
		ascii_case(v, false);
		break;
	case FORM_COUNTRY:
		ascii_case(v, true);
		break;
	case FORM_CHOICE:
		if (!choice_known(f->choices[i], v)) {
			set_error(f, i, type_message(a, fd));
			return;
		}
		break;
	case FORM_INT:
		errno = 0;
		x = strtoll(v, &end, 10);
		if (errno != 0 || *end != '\0' || x < fd->min || x > fd->max) {
			set_error(f, i, type_message(a, fd));
			return;
		}
		f->ints[i] = x;
		break;
	default:
		break;
	}
}

bool
form_read(struct form *f, struct arena *a, const struct kvlist *src)
{
	size_t	i;

	for (i = 0; i < f->n; i++)
		read_field(f, a, i, kv_get(src, f->fields[i].name));
	return f->nerrors == 0 && f->error == NULL;
}

void
form_prefix(struct form *f, const char *prefix)
{
	f->prefix = prefix;
}

const char *
form_field_id(struct arena *a, const struct form *f, size_t i)
{
	return arena_printf(a, "f-%s%s", f->prefix != NULL ? f->prefix : "",
	    f->fields[i].name);
}

const char *
form_str(const struct form *f, const char *name)
{
	return f->values[field_index(f, name)];
}

const char *
form_field_error(const struct form *f, const char *name)
{
	return f->errors[field_index(f, name)];
}

long long
form_int(const struct form *f, const char *name)
{
	return f->ints[field_index(f, name)];
}

bool
form_bool(const struct form *f, const char *name)
{
	return f->ints[field_index(f, name)] != 0;
}

void
form_set(struct form *f, const char *name, const char *value)
{
	size_t		 i = field_index(f, name);
	long long	 x;
	char		*end;

	f->values[i] = value != NULL ? value : "";
	/* form_int() and form_bool() see a prefilled value as a read one. */
	if (f->fields[i].type == FORM_CHECKBOX)
		f->ints[i] = value != NULL && *value != '\0';
	else if (f->fields[i].type == FORM_INT) {
		errno = 0;
		x = strtoll(f->values[i], &end, 10);
		f->ints[i] = errno == 0 && end != f->values[i] &&
		    *end == '\0' ? x : 0;
	}
}

void
form_error(struct form *f, const char *name, const char *msg)
{
	size_t	i;

	if (name == NULL || strcmp(name, "form") == 0) {
		f->error = msg;
		return;
	}
	i = field_index(f, name);
	if (f->errors[i] == NULL)
		f->nerrors++;
	f->errors[i] = msg;
}

/* A FORM_CHOICE field's "select" and "options" for its template. */
static void
choices_tval(struct arena *a, struct tval *m, const char *const *c,
    const char *value)
{
	struct tval	*l = tval_set_list(a, m, "options"), *o;

	tval_set_bool(a, m, "select", true);
	for (; c != NULL && c[0] != NULL && c[1] != NULL;
	    c += 2) {
		o = tval_push_map(a, l);
		tval_set_str(a, o, "value", c[0]);
		tval_set_str(a, o, "label", c[1]);
		tval_set_bool(a, o, "selected", strcmp(c[0], value) == 0);
	}
}

struct tval *
form_tval(struct arena *a, const struct form *f)
{
	struct tval		*list = tval_list(a), *m;
	const struct form_field	*fd;
	size_t			 i;
	bool			 hidden;

	for (i = 0; i < f->n; i++) {
		fd = &f->fields[i];
		hidden = (fd->flags & FORM_HIDDEN) ||
		    fd->type == FORM_TOKEN || fd->type == FORM_PATH;
		m = tval_push_map(a, list);
		tval_set_str(a, m, "name", fd->name);
		tval_set_str(a, m, "id", form_field_id(a, f, i));
		tval_set_str(a, m, "label", fd->label);
		if (fd->hint != NULL) {
			tval_set_str(a, m, "hint", fd->hint);
			tval_set(a, m, "hint_id", tval_strf(a, "%s-hint",
			    form_field_id(a, f, i)));
		}
		tval_set_str(a, m, "input", hidden ? "hidden" :
		    types[fd->type].input);
		tval_set_str(a, m, "value", fd->type == FORM_PASSWORD ? "" :
		    f->values[i]);
		if (f->errors[i] != NULL) {
			tval_set_str(a, m, "error", f->errors[i]);
			tval_set(a, m, "error_id", tval_strf(a, "%s-error",
			    form_field_id(a, f, i)));
		}
		if (fd->hint != NULL || f->errors[i] != NULL)
			tval_set(a, m, "describedby", tval_strf(a, "%s%s%s",
			    fd->hint != NULL ? tval_get_str(m, "hint_id") : "",
			    fd->hint != NULL && f->errors[i] != NULL ? " " : "",
			    f->errors[i] != NULL ? tval_get_str(m, "error_id") :
			    ""));
		tval_set_bool(a, m, "required", fd->flags & FORM_REQUIRED);
		tval_set_bool(a, m, "hidden", hidden);
		tval_set_bool(a, m, "checkbox", fd->type == FORM_CHECKBOX);
		tval_set_bool(a, m, "country_select", fd->type == FORM_COUNTRY &&
		    !hidden);
		tval_set_bool(a, m, "checked", f->ints[i] != 0 &&
		    fd->type == FORM_CHECKBOX);
		if (fd->type == FORM_INT) {
			tval_set_int(a, m, "min", fd->min);
			tval_set_int(a, m, "max", fd->max);
		} else if (fd->max > 0)
			tval_set_int(a, m, "maxlength", fd->max);
		if (fd->autocomplete != NULL)
			tval_set_str(a, m, "autocomplete", fd->autocomplete);
		tval_set_bool(a, m, "textarea", fd->type == FORM_TEXTAREA);
		if (fd->type == FORM_CHOICE)
			choices_tval(a, m, f->choices[i], f->values[i]);
	}
	return list;
}

struct tval *
form_errors_tval(struct arena *a, const struct form *f)
{
	struct tval	*m = tval_map(a);
	size_t		 i;

	for (i = 0; i < f->n; i++)
		if (f->errors[i] != NULL)
			tval_set_str(a, m, f->fields[i].name, f->errors[i]);
	if (f->error != NULL)
		tval_set_str(a, m, "form", f->error);
	return m;
}
