/*
 * Mustache templates.
 *
 * Each template is parsed once, by recursive descent, into a tree of
 * nodes; rendering walks the tree. Everything a render needs besides the
 * tree (the context stack, the indentation, the blocks that override
 * others, the depth and the work done) lives in the renderer's own stack
 * frames, so a set is never written to after it is loaded and any number
 * of threads may render from it at once.
 *
 * Whitespace follows the specification, inheritance module included.
 * All of it is settled at parse time except indentation:
 *
 *   - A line holding nothing but blanks and one section, inverted
 *     section, close, comment, partial, set-delimiter or block tag is
 *     "standalone" and vanishes from the output, line end included.
 *   - A parent, and a block outside a parent, form a standalone pair when
 *     only blanks precede the open tag and only blanks follow the close
 *     tag on their lines, even if they share a line. The blanks before
 *     the open tag are then its indentation rather than output; a parent
 *     also drops the line end after its close tag.
 *   - A block whose open tag ends its line (standalone, or passed to a
 *     parent) has "intrinsic" indentation, the blanks that start the
 *     next line. They are removed from every line of its content, and
 *     are the indentation of a standalone block.
 *   - Content passed for a standalone block gets the block's indentation
 *     on every line; a block's own content gets back what it lost.
 *
 * Every node that begins a line carries a flag, and text nodes know
 * their inner line starts, so the renderer can prefix each line of a
 * standalone partial, parent or block with the indentation in force.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/tmpl.h"
#include "core/tval.h"

/*
 * Limits that protect the process rather than describe an input: how
 * deep sections, parents and blocks may nest in one template (parsing
 * and rendering recurse once per level), how much work (nodes rendered
 * and contexts searched) and output one render may make before it is
 * abandoned (loops nested over long lists, or blocks expanding one
 * another, grow exponentially), and how deep tmpl_load_dir() descends.
 */
#define TMPL_MAX_NEST		64
#define TMPL_MAX_STEPS		(4 * 1024 * 1024)
#define TMPL_MAX_OUTPUT		(16 * 1024 * 1024)
#define TMPL_MAX_DIRS		16
#define TMPL_EXT		".mustache"

enum node_type {
	NODE_TEXT,
	NODE_VAR,		/* {{name}}, escaped */
	NODE_RAW,		/* {{{name}}} or {{&name}} */
	NODE_SECTION,		/* {{#name}} */
	NODE_INVERTED,		/* {{^name}} */
	NODE_PARTIAL,		/* {{>name}} */
	NODE_PARENT,		/* {{<name}} */
	NODE_BLOCK,		/* {{$name}} */
	NODE__MAX
};

static const char *const node_type_names[NODE__MAX] = {
	"text",
	"variable",
	"unescaped variable",
	"section",
	"inverted section",
	"partial",
	"parent",
	"block",
};

/*
 * One compiled piece of a template. Text holds its bytes in str; a
 * variable or section holds its name with the dots of a dotted name
 * turned into NUL separators, nparts being 0 for the implicit iterator
 * "."; a partial, parent or block holds its name as written. The kids of
 * a section or block are its content; the kids of a parent are only the
 * blocks it passes.
 */
struct node {
	struct node	*next;
	struct node	*kids;
	char		*str;
	size_t		 len;		/* of str */
	size_t		 nparts;
	char		*indent;	/* added to each line when standalone */
	size_t		 indentlen;
	char		*strip;		/* block: intrinsic indentation */
	size_t		 striplen;
	enum node_type	 type;
	bool		 bol;		/* begins a line: indent before it */
	bool		 standalone;	/* partial, parent, block */
	bool		 inline_open;	/* block: content on its open line */
};

struct tmpl {
	char		*name;
	struct node	*nodes;
};

/* Templates sorted by name, for bsearch(). */
struct tmpl_set {
	size_t		 n;
	struct tmpl	 v[SHOP_MAX_TEMPLATES];
};

struct span {
	const char	*p;
	size_t		 len;
};

/* A tag as read from the source, with what surrounds it on its line. */
struct tag {
	char		 sigil;		/* 0 for a variable, else #^/!><$&{= */
	size_t		 start;		/* offset of the opening delimiter */
	size_t		 end;		/* just past the closing delimiter */
	struct span	 body;		/* between them, sigil and blanks off */
	bool		 left;		/* only blanks before it on its line */
	bool		 right;		/* only blanks after it on its line */
	size_t		 eol;		/* past those blanks and the line end */
};

struct list {
	struct node	**tail;
};

struct parser {
	const char	*name;		/* of the template, for messages */
	const char	*src;
	size_t		 len;
	size_t		 pos;
	struct span	 otag;
	struct span	 ctag;
	size_t		 next_tag;	/* next otag at or after pos, or len */
	bool		 at_bol;	/* pos starts a line not yet begun */
	bool		 dirty;		/* a tag precedes pos on this line */
	bool		 fresh;		/* nothing emitted on this line yet */
	struct buf	 text;		/* text not yet made into a node */
	bool		 text_bol;	/* and whether it begins a line */
	struct span	 strip[TMPL_MAX_NEST]; /* of each element entered */
	size_t		 nest;		/* elements entered */
	char		*err;
	size_t		 errlen;
};

/* Render-time state, all of it in the stack frames of one render. */
struct render {
	const struct tmpl_set	*set;
	struct buf		*out;
	size_t			 start;		/* out->len before the render */
	size_t			 depth;		/* expansions under way */
	size_t			 steps;		/* nodes and contexts visited */
};

struct ctx {
	const struct tval	*val;
	const struct ctx	*up;
};

struct indent {
	const char		*p;
	size_t			 len;
	const struct indent	*up;		/* outer, printed first */
};

struct scope {
	const struct node	*args;		/* blocks passed to a parent */
	const struct scope	*up;
};

static int	parse_body(struct parser *, struct node **, enum node_type,
		    bool, const struct tag *, struct tag *);
static int	render_list(struct render *, const struct node *,
		    const struct ctx *, const struct indent *,
		    const struct scope *, bool);

static void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL) {
		fprintf(stderr, "level=fatal msg=\"out of memory allocating "
		    "%zu bytes\"\n", n);
		abort();
	}
	return p;
}

static char *
xstrndup(const char *s, size_t n)
{
	char	*p = xmalloc(n + 1);

	if (n > 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

static bool
all_blank(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!is_blank(s[i]))
			return false;
	return true;
}

static bool
span_eq(struct span a, struct span b)
{
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static struct node *
node_new(enum node_type type)
{
	struct node	*n = xmalloc(sizeof(*n));

	memset(n, 0, sizeof(*n));
	n->type = type;
	return n;
}

static void
nodes_free(struct node *n)
{
	struct node	*next;

	for (; n != NULL; n = next) {
		next = n->next;
		nodes_free(n->kids);
		free(n->str);
		free(n->indent);
		free(n->strip);
		free(n);
	}
}

static void
append(struct list *l, struct node *n)
{
	*l->tail = n;
	l->tail = &n->next;
}

/*
 * Report a parse error at offset "at" as "name:line: message" and
 * return -1, so that callers can "return fail(...)".
 */
static int
fail(struct parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list	ap;
	size_t	i, line = 1;
	int	n;

	if (p->err == NULL || p->errlen == 0)
		return -1;
	for (i = 0; i < at && i < p->len; i++)
		if (p->src[i] == '\n')
			line++;
	n = snprintf(p->err, p->errlen, "%s:%zu: ", p->name, line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void
seek_tag(struct parser *p)
{
	const char	*t;

	t = memmem(p->src + p->pos, p->len - p->pos, p->otag.p, p->otag.len);
	p->next_tag = t != NULL ? (size_t)(t - p->src) : p->len;
}

static bool
starts_with(const struct parser *p, size_t at, struct span s)
{
	return s.len > 0 && p->len - at >= s.len &&
	    memcmp(p->src + at, s.p, s.len) == 0;
}

/*
 * Start a new line: skip the intrinsic indentation of every block the
 * line is in, outermost first.
 */
static void
line_begin(struct parser *p)
{
	size_t	i;

	for (i = 0; i < p->nest; i++)
		if (starts_with(p, p->pos, p->strip[i]))
			p->pos += p->strip[i].len;
	p->at_bol = false;
	p->dirty = false;
	p->fresh = true;
}

/*
 * The intrinsic indentation of a block whose open tag ended the line
 * before pos: the blanks that start this line once the enclosing blocks'
 * indentation is off.
 */
static struct span
intrinsic(const struct parser *p)
{
	size_t	q = p->pos, i, n = 0;

	for (i = 0; i < p->nest; i++)
		if (starts_with(p, q, p->strip[i]))
			q += p->strip[i].len;
	while (q + n < p->len && is_blank(p->src[q + n]))
		n++;
	return (struct span){ p->src + q, n };
}

static void
skip_line(struct parser *p, const struct tag *t)
{
	p->pos = t->eol;
	p->at_bol = true;
}

/* The "begins a line" flag for the next thing emitted, used up. */
static bool
take_fresh(struct parser *p)
{
	bool	fresh = p->fresh;

	p->fresh = false;
	return fresh;
}

static void
text(struct parser *p, size_t off, size_t n)
{
	if (n == 0)
		return;
	if (p->text.len == 0)
		p->text_bol = p->fresh;
	p->fresh = false;
	buf_append(&p->text, p->src + off, n);
}

/* Make the pending text, if any, a node of l. */
static void
flush(struct parser *p, struct list *l)
{
	struct node	*n;

	if (p->text.len == 0)
		return;
	n = node_new(NODE_TEXT);
	n->str = xstrndup(p->text.p, p->text.len);
	n->len = p->text.len;
	n->bol = p->text_bol;
	append(l, n);
	buf_reset(&p->text);
}

/*
 * Move past tag t: past its whole line if it stands alone, else past the
 * text before it, which is kept, and past the tag.
 */
static void
consume(struct parser *p, const struct tag *t, bool alone)
{
	if (alone) {
		skip_line(p, t);
		return;
	}
	text(p, p->pos, t->start - p->pos);
	p->pos = t->end;
	p->dirty = true;
}

/*
 * Find the closing delimiter from offset "from"; with a closer ('}' of a
 * triple mustache, '=' of a delimiter change) that character must come
 * right before it. Returns the offset of the delimiter, or len.
 */
static size_t
find_close(const struct parser *p, size_t from, char closer)
{
	const char	*t;

	if (closer != '\0')
		from++;
	while (from <= p->len) {
		t = memmem(p->src + from, p->len - from, p->ctag.p,
		    p->ctag.len);
		if (t == NULL)
			break;
		if (closer == '\0' || t[-1] == closer)
			return (size_t)(t - p->src);
		from = (size_t)(t - p->src) + 1;
	}
	return p->len;
}

/*
 * Read the tag at next_tag into t, with its trimmed body and whether
 * only blanks surround it on its line. Returns -1 if it is not closed.
 */
static int
read_tag(struct parser *p, struct tag *t)
{
	const char	*s = p->src;
	size_t		 q, close, end, e;
	char		 closer = '\0';

	t->start = p->next_tag;
	q = t->start + p->otag.len;
	t->sigil = q < p->len ? s[q] : '\0';
	switch (t->sigil) {
	case '{':
		closer = '}';
		q++;
		break;
	case '=':
		closer = '=';
		q++;
		break;
	case '#': case '^': case '/': case '!':
	case '>': case '<': case '$': case '&':
		q++;
		break;
	default:
		t->sigil = '\0';
		break;
	}
	if ((close = find_close(p, q, closer)) == p->len)
		return fail(p, t->start, "tag is not closed");
	end = closer != '\0' ? close - 1 : close;
	while (q < end && is_space(s[q]))
		q++;
	while (end > q && is_space(s[end - 1]))
		end--;
	t->body = (struct span){ s + q, end - q };
	t->end = close + p->ctag.len;

	t->left = !p->dirty && all_blank(s + p->pos, t->start - p->pos);
	for (e = t->end; e < p->len && is_blank(s[e]); e++)
		continue;
	t->right = true;
	if (e < p->len && s[e] == '\n')
		e++;
	else if (e + 1 < p->len && s[e] == '\r' && s[e + 1] == '\n')
		e += 2;
	else if (e < p->len)
		t->right = false;
	t->eol = e;
	return 0;
}

/*
 * Copy the tag's name into n. Names have no blanks inside; a dotted
 * name (of a variable or section) has no empty parts.
 */
static int
set_name(struct parser *p, struct node *n, const struct tag *t, bool dotted)
{
	const char	*s = t->body.p;
	size_t		 len = t->body.len, i;

	if (len == 0)
		return fail(p, t->start, "tag has no name");
	for (i = 0; i < len; i++)
		if (is_space(s[i]))
			return fail(p, t->start, "name \"%.*s\" contains a "
			    "space", (int)len, s);
	n->str = xstrndup(s, len);
	n->len = len;
	if (!dotted || (len == 1 && s[0] == '.'))
		return 0;
	n->nparts = 1;
	for (i = 0; i < len; i++) {
		if (s[i] != '.')
			continue;
		if (i == 0 || i + 1 == len || s[i + 1] == '.')
			return fail(p, t->start, "name \"%.*s\" has an empty "
			    "part", (int)len, s);
		n->str[i] = '\0';
		n->nparts++;
	}
	return 0;
}

/* "{{=<% %>=}}": two delimiters, blank-separated, without blanks or '='. */
static int
set_delimiters(struct parser *p, const struct tag *t)
{
	const char	*s = t->body.p, *e = s + t->body.len, *a, *b;

	for (a = s; a < e && !is_space(*a); a++)
		continue;
	for (b = a; b < e && is_space(*b); b++)
		continue;
	if (a == s || b == a || b == e ||
	    memchr(s, '=', (size_t)(a - s)) != NULL ||
	    memchr(b, '=', (size_t)(e - b)) != NULL)
		return fail(p, t->start, "bad delimiters \"%.*s\"",
		    (int)t->body.len, s);
	p->otag = (struct span){ s, (size_t)(a - s) };
	p->ctag = (struct span){ b, (size_t)(e - b) };
	for (; b < e; b++)
		if (is_space(*b))
			return fail(p, t->start, "bad delimiters \"%.*s\"",
			    (int)t->body.len, s);
	return 0;
}

/* Enter an element's content, whose lines lose the indentation strip. */
static int
enter(struct parser *p, const struct tag *t, struct span strip)
{
	if (p->nest == TMPL_MAX_NEST)
		return fail(p, t->start, "more than %d sections, parents "
		    "and blocks inside one another", TMPL_MAX_NEST);
	p->strip[p->nest++] = strip;
	return 0;
}

static int
parse_section(struct parser *p, struct list *l, const struct tag *t,
    bool alone)
{
	struct node	*n;
	struct tag	 close;
	int		 rc;

	flush(p, l);
	n = node_new(t->sigil == '#' ? NODE_SECTION : NODE_INVERTED);
	append(l, n);
	n->bol = alone ? false : take_fresh(p);
	if (set_name(p, n, t, true) == -1 ||
	    enter(p, t, (struct span){ NULL, 0 }) == -1)
		return -1;
	rc = parse_body(p, &n->kids, n->type, false, t, &close);
	p->nest--;
	return rc;
}

/* Of a parent's content only the blocks it passes matter: drop the rest. */
static void
keep_blocks(struct node **link)
{
	struct node	*n;

	while ((n = *link) != NULL) {
		if (n->type == NODE_BLOCK) {
			link = &n->next;
			continue;
		}
		*link = n->next;
		n->next = NULL;
		nodes_free(n);
	}
}

/*
 * A parent, or a block outside a parent (a parameter of the template).
 * Whether the pair stands alone is known only at its close tag, so the
 * blanks before the open tag are held back until then: they become its
 * indentation, or are put back as text in front of it.
 */
static int
parse_pair(struct parser *p, struct list *l, const struct tag *t)
{
	struct node	*n, *lead_node, **link;
	struct span	 lead = { NULL, 0 }, strip = { NULL, 0 }, indent;
	struct tag	 close;
	bool		 parent = t->sigil == '<', alone, bol;
	int		 rc;

	alone = !parent && t->left && t->right;
	if (alone) {
		skip_line(p, t);
		strip = intrinsic(p);
	} else if (t->left) {
		lead = (struct span){ p->src + p->pos, t->start - p->pos };
		p->pos = t->end;
		p->dirty = true;
	} else
		consume(p, t, false);
	flush(p, l);
	bol = alone ? false : take_fresh(p);
	n = node_new(parent ? NODE_PARENT : NODE_BLOCK);
	link = l->tail;
	append(l, n);
	if (set_name(p, n, t, false) == -1 || enter(p, t, strip) == -1)
		return -1;
	rc = parse_body(p, &n->kids, n->type, false, t, &close);
	p->nest--;
	if (rc == -1)
		return -1;

	if (parent)
		keep_blocks(&n->kids);
	if (strip.len > 0) {
		n->strip = xstrndup(strip.p, strip.len);
		n->striplen = strip.len;
	}
	if (t->left && close.right) {
		indent = alone ? strip : lead;
		n->standalone = true;
		n->inline_open = !alone;
		if (indent.len > 0) {
			n->indent = xstrndup(indent.p, indent.len);
			n->indentlen = indent.len;
		}
		if (parent && !close.left)
			skip_line(p, &close);
	} else if (lead.len > 0) {
		lead_node = node_new(NODE_TEXT);
		lead_node->str = xstrndup(lead.p, lead.len);
		lead_node->len = lead.len;
		lead_node->bol = bol;
		lead_node->next = n;
		*link = lead_node;
	} else
		n->bol = bol;
	if (!close.left || !close.right)
		p->fresh = false;
	return 0;
}

/*
 * A block passed to a parent. What surrounds it in the parent is
 * ignored, so only what follows the open tag matters: if it ends the
 * line, the line end goes and the block has intrinsic indentation.
 * Either way its content starts a line, the first of those a standalone
 * block indents.
 */
static int
parse_argument(struct parser *p, struct list *l, const struct tag *t)
{
	struct node	*n;
	struct span	 strip = { NULL, 0 };
	struct tag	 close;
	int		 rc;

	if (t->right) {
		skip_line(p, t);
		strip = intrinsic(p);
	} else {
		p->pos = t->end;
		p->dirty = true;
		p->fresh = true;
	}
	flush(p, l);
	n = node_new(NODE_BLOCK);
	append(l, n);
	if (set_name(p, n, t, false) == -1 || enter(p, t, strip) == -1)
		return -1;
	rc = parse_body(p, &n->kids, NODE_BLOCK, true, t, &close);
	p->nest--;
	return rc;
}

/*
 * Any tag but a close, a parent or a block. All but variables may stand
 * alone on their line, which then goes; the blanks that began it are a
 * standalone partial's indentation.
 */
static int
parse_tag(struct parser *p, struct list *l, const struct tag *t)
{
	struct node	*n;
	struct span	 lead = { p->src + p->pos, t->start - p->pos };
	bool		 alone;

	alone = t->left && t->right && t->sigil != '\0' && t->sigil != '&' &&
	    t->sigil != '{';
	consume(p, t, alone);
	switch (t->sigil) {
	case '!':
		return 0;
	case '=':
		return set_delimiters(p, t);
	case '#':
	case '^':
		return parse_section(p, l, t, alone);
	case '>':
		flush(p, l);
		n = node_new(NODE_PARTIAL);
		append(l, n);
		if (alone) {
			n->standalone = true;
			if (lead.len > 0) {
				n->indent = xstrndup(lead.p, lead.len);
				n->indentlen = lead.len;
			}
		} else
			n->bol = take_fresh(p);
		return set_name(p, n, t, false);
	default:
		flush(p, l);
		n = node_new(t->sigil == '\0' ? NODE_VAR : NODE_RAW);
		append(l, n);
		n->bol = take_fresh(p);
		return set_name(p, n, t, true);
	}
}

/*
 * The close tag t ends the body of the element opened by "open". The
 * close of a block passed to a parent drops the blanks before it even
 * when it does not end its line.
 */
static int
parse_close(struct parser *p, struct list *l, enum node_type kind,
    bool argument, const struct tag *open, const struct tag *t)
{
	if (kind == NODE__MAX)
		return fail(p, t->start, "close tag \"%.*s\" has nothing to "
		    "close", (int)t->body.len, t->body.p);
	if (argument && t->left && !t->right) {
		p->pos = t->end;
		p->dirty = true;
	} else
		consume(p, t, t->left && t->right);
	flush(p, l);
	if (!span_eq(t->body, open->body))
		return fail(p, t->start, "close tag \"%.*s\" does not match "
		    "%s \"%.*s\"", (int)t->body.len, t->body.p,
		    node_type_names[kind], (int)open->body.len, open->body.p);
	return 0;
}

/*
 * Parse into *head up to the close tag of the element opened by "open"
 * (of type kind; NODE__MAX for the whole template), which is copied to
 * close. "argument" says the element is a block passed to a parent.
 * Returns 0, or -1 with the error set; what was built stays in *head for
 * the caller to free.
 */
static int
parse_body(struct parser *p, struct node **head, enum node_type kind,
    bool argument, const struct tag *open, struct tag *close)
{
	struct list	 l = { head };
	struct tag	 t;
	const char	*nl;
	size_t		 n;
	int		 rc;

	for (;;) {
		if (p->at_bol)
			line_begin(p);
		if (p->next_tag < p->pos)
			seek_tag(p);
		if (p->pos == p->len)
			break;
		nl = memchr(p->src + p->pos, '\n', p->next_tag - p->pos);
		if (nl != NULL || p->next_tag == p->len) {
			n = nl != NULL ? (size_t)(nl - p->src) + 1 - p->pos :
			    p->len - p->pos;
			text(p, p->pos, n);
			p->pos += n;
			p->at_bol = nl != NULL;
			continue;
		}
		if (read_tag(p, &t) == -1)
			return -1;
		if (t.sigil == '/') {
			if (parse_close(p, &l, kind, argument, open, &t) == -1)
				return -1;
			*close = t;
			return 0;
		}
		if (t.sigil == '$' && kind == NODE_PARENT)
			rc = parse_argument(p, &l, &t);
		else if (t.sigil == '$' || t.sigil == '<')
			rc = parse_pair(p, &l, &t);
		else
			rc = parse_tag(p, &l, &t);
		if (rc == -1)
			return -1;
	}
	flush(p, &l);
	if (kind == NODE__MAX)
		return 0;
	return fail(p, open->start, "%s \"%.*s\" is not closed",
	    node_type_names[kind], (int)open->body.len, open->body.p);
}

static int
tmpl_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tmpl *)elem)->name);
}

static const struct tmpl *
tmpl_find(const struct tmpl_set *set, const char *name)
{
	return bsearch(name, set->v, set->n, sizeof(set->v[0]), tmpl_cmp);
}

struct tmpl_set *
tmpl_set_new(void)
{
	struct tmpl_set	*set = xmalloc(sizeof(*set));

	set->n = 0;
	return set;
}

void
tmpl_set_free(struct tmpl_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		free(set->v[i].name);
		nodes_free(set->v[i].nodes);
	}
	free(set);
}

int
tmpl_exists(const struct tmpl_set *set, const char *name)
{
	return tmpl_find(set, name) != NULL;
}

/*
 * Compile src and insert it under name, keeping the set sorted. The
 * source is not kept: text and names are copied into the nodes. Errors
 * that have no line (size, count, duplicate) read "name: message".
 */
int
tmpl_add(struct tmpl_set *set, const char *name, const char *src,
    size_t len, char *err, size_t errlen)
{
	struct parser	 p;
	struct node	*nodes = NULL;
	size_t		 i;
	int		 rc;

	if (name == NULL || *name == '\0') {
		seterr(err, errlen, "template without a name");
		return -1;
	}
	if (len > SHOP_MAX_TEMPLATE) {
		seterr(err, errlen, "%s: template larger than %d bytes",
		    name, SHOP_MAX_TEMPLATE);
		return -1;
	}
	if (set->n == SHOP_MAX_TEMPLATES) {
		seterr(err, errlen, "%s: more than %d templates", name,
		    SHOP_MAX_TEMPLATES);
		return -1;
	}
	if (tmpl_find(set, name) != NULL) {
		seterr(err, errlen, "%s: template added twice", name);
		return -1;
	}

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.src = src != NULL ? src : "";
	p.len = src != NULL ? len : 0;
	p.otag = (struct span){ "{{", 2 };
	p.ctag = (struct span){ "}}", 2 };
	p.fresh = true;
	p.err = err;
	p.errlen = errlen;
	seek_tag(&p);
	rc = parse_body(&p, &nodes, NODE__MAX, false, NULL, NULL);
	buf_free(&p.text);
	if (rc == -1) {
		nodes_free(nodes);
		return -1;
	}

	for (i = set->n; i > 0 && strcmp(set->v[i - 1].name, name) > 0; i--)
		set->v[i] = set->v[i - 1];
	set->v[i].name = xstrndup(name, strlen(name));
	set->v[i].nodes = nodes;
	set->n++;
	return 0;
}

/*
 * Compile one file under name. The size is checked before anything is
 * allocated for it, and a file that grows while being read is refused.
 */
static int
load_file(struct tmpl_set *set, const char *path, const char *name,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		*src;
	size_t		 cap, len = 0;
	ssize_t		 r = 0;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_size > SHOP_MAX_TEMPLATE) {
		seterr(err, errlen, "%s: template larger than %d bytes",
		    path, SHOP_MAX_TEMPLATE);
		close(fd);
		return -1;
	}
	cap = (size_t)st.st_size + 1;
	src = xmalloc(cap);
	while (len < cap) {
		if ((r = read(fd, src + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			seterr(err, errlen, "%s: %s", path, strerror(errno));
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (r == -1 || len == cap) {
		if (r != -1)
			seterr(err, errlen, "%s: changed while read", path);
		free(src);
		return -1;
	}
	rc = tmpl_add(set, name, src, len, err, errlen);
	free(src);
	return rc;
}

static char *
path_join(const char *dir, const char *base)
{
	size_t	 dl = strlen(dir), bl = strlen(base);
	char	*p = xmalloc(dl + bl + 2);

	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, base, bl + 1);
	return p;
}

static int	load_tree(struct tmpl_set *, const char *, const char *,
		    size_t, char *, size_t);

/*
 * One directory entry: a directory to descend into, a template to
 * compile, or anything else to ignore. rel is the directory's name
 * relative to the top, "" for the top itself.
 */
static int
load_entry(struct tmpl_set *set, const char *dir, const char *rel,
    const char *base, size_t depth, char *err, size_t errlen)
{
	struct stat	 st;
	char		*path, *name;
	size_t		 len, extlen = strlen(TMPL_EXT);
	int		 rc = 0;

	path = path_join(dir, base);
	name = *rel != '\0' ? path_join(rel, base) :
	    xstrndup(base, strlen(base));
	len = strlen(name);
	if (stat(path, &st) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	} else if (S_ISDIR(st.st_mode)) {
		if (depth == TMPL_MAX_DIRS) {
			seterr(err, errlen, "%s: more than %d directories "
			    "deep", path, TMPL_MAX_DIRS);
			rc = -1;
		} else
			rc = load_tree(set, path, name, depth + 1, err,
			    errlen);
	} else if (S_ISREG(st.st_mode) && len > extlen &&
	    strcmp(name + len - extlen, TMPL_EXT) == 0) {
		name[len - extlen] = '\0';
		rc = load_file(set, path, name, err, errlen);
	}
	free(path);
	free(name);
	return rc;
}

/* Load the entries of dir in name order, skipping dot files. */
static int
load_tree(struct tmpl_set *set, const char *dir, const char *rel,
    size_t depth, char *err, size_t errlen)
{
	struct dirent	**ents;
	int		  i, n, rc = 0;

	if ((n = scandir(dir, &ents, NULL, alphasort)) == -1) {
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && ents[i]->d_name[0] != '.')
			rc = load_entry(set, dir, rel, ents[i]->d_name, depth,
			    err, errlen);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

struct tmpl_set *
tmpl_load_dir(const char *dir, char *err, size_t errlen)
{
	struct tmpl_set	*set = tmpl_set_new();

	if (load_tree(set, dir, "", 0, err, errlen) == -1) {
		tmpl_set_free(set);
		return NULL;
	}
	return set;
}

static void
put_indent(struct buf *out, const struct indent *in)
{
	if (in == NULL)
		return;
	put_indent(out, in->up);
	buf_append(out, in->p, in->len);
}

/* Text, with the indentation after each line end that is not its last. */
static void
put_text(struct buf *out, const char *s, size_t n, const struct indent *in)
{
	const char	*nl;
	size_t		 k;

	while (in != NULL &&
	    (nl = memchr(s, '\n', n)) != NULL && nl + 1 < s + n) {
		k = (size_t)(nl + 1 - s);
		buf_append(out, s, k);
		put_indent(out, in);
		s += k;
		n -= k;
	}
	buf_append(out, s, n);
}

static void
put_value(struct buf *out, const struct tval *v, bool escape)
{
	if (v == NULL)
		return;
	switch (v->type) {
	case TVAL_STR:
		if (escape)
			buf_html(out, v->u.s.p, v->u.s.len);
		else
			buf_append(out, v->u.s.p, v->u.s.len);
		break;
	case TVAL_INT:
		buf_printf(out, "%lld", v->u.i);
		break;
	case TVAL_BOOL:
		buf_puts(out, v->u.b ? "true" : "false");
		break;
	default:
		/* Null renders as nothing; so do lists and maps. */
		break;
	}
}

/*
 * Look a variable or section name up: "." is the top of the stack; the
 * first part of a dotted name is looked for down the stack, the others
 * only inside what the previous part found. Each context searched counts
 * as a step of the render.
 */
static const struct tval *
resolve(struct render *r, const struct node *n, const struct ctx *c)
{
	const struct tval	*v = NULL;
	const char		*part = n->str;
	size_t			 i;

	if (n->nparts == 0)
		return c != NULL ? c->val : NULL;
	for (; c != NULL && v == NULL; c = c->up) {
		r->steps++;
		v = tval_get(c->val, part);
	}
	for (i = 1; v != NULL && i < n->nparts; i++) {
		part += strlen(part) + 1;
		v = tval_get(v, part);
	}
	return v;
}

/* The indentation "in" followed by s, built in the caller's frame. */
static const struct indent *
push_indent(struct indent *frame, const char *s, size_t len,
    const struct indent *in)
{
	if (len == 0)
		return in;
	frame->p = s;
	frame->len = len;
	frame->up = in;
	return frame;
}

/*
 * A partial or parent: render the named template on the same context
 * stack. A standalone tag's indentation is added to every line; one
 * inside a line gets none. A parent adds its blocks to the overrides.
 */
static int
render_expand(struct render *r, const struct node *n, const struct ctx *c,
    const struct indent *in, const struct scope *sc)
{
	const struct tmpl	*t;
	struct indent		 frame;
	struct scope		 args;
	const struct indent	*use = NULL;
	int			 rc;

	if ((t = tmpl_find(r->set, n->str)) == NULL)
		return 0;
	if (r->depth == SHOP_MAX_TEMPLATE_DEPTH)
		return -1;
	if (n->standalone)
		use = push_indent(&frame, n->indent, n->indentlen, in);
	if (n->type == NODE_PARENT) {
		args.args = n->kids;
		args.up = sc;
		sc = &args;
	}
	r->depth++;
	rc = render_list(r, t->nodes, c, use, sc, false);
	r->depth--;
	return rc;
}

/*
 * A block: the content passed for it by the outermost parent that passes
 * one, else its own. A standalone block puts its indentation before
 * every line of what is passed for it; a block inside a line continues
 * that line. Its own content gets back the intrinsic indentation its
 * lines lost when parsed, and, when it began on the open tag's line,
 * the blanks before that tag.
 */
static int
render_block(struct render *r, const struct node *n, const struct ctx *c,
    const struct indent *in, const struct scope *sc)
{
	const struct node	*arg = NULL, *a;
	const struct scope	*s;
	struct indent		 frame, first;
	const struct indent	*use;
	int			 rc;

	for (s = sc; s != NULL; s = s->up)
		for (a = s->args; a != NULL; a = a->next)
			if (strcmp(a->str, n->str) == 0) {
				arg = a;
				break;
			}
	if (arg != NULL) {
		if (r->depth == SHOP_MAX_TEMPLATE_DEPTH)
			return -1;
		use = n->standalone ?
		    push_indent(&frame, n->indent, n->indentlen, in) : in;
		r->depth++;
		rc = render_list(r, arg->kids, c, use, sc, !n->standalone);
		r->depth--;
		return rc;
	}
	use = push_indent(&frame, n->strip, n->striplen, in);
	if (!n->inline_open || n->kids == NULL)
		return render_list(r, n->kids, c, use, sc, false);
	put_indent(r->out, push_indent(&first, n->indent, n->indentlen, in));
	return render_list(r, n->kids, c, use, sc, true);
}

static int
render_node(struct render *r, const struct node *n, const struct ctx *c,
    const struct indent *in, const struct scope *sc)
{
	const struct tval	*v;
	const struct tval_item	*it;
	struct ctx		 top;

	switch (n->type) {
	case NODE_TEXT:
		put_text(r->out, n->str, n->len, in);
		return 0;
	case NODE_VAR:
	case NODE_RAW:
		put_value(r->out, resolve(r, n, c), n->type == NODE_VAR);
		return 0;
	case NODE_SECTION:
		v = resolve(r, n, c);
		if (!tval_truthy(v))
			return 0;
		top.up = c;
		if (v->type != TVAL_LIST) {
			top.val = v;
			return render_list(r, n->kids, &top, in, sc, false);
		}
		for (it = v->u.c.head; it != NULL; it = it->next) {
			top.val = it->val;
			if (render_list(r, n->kids, &top, in, sc, false) == -1)
				return -1;
		}
		return 0;
	case NODE_INVERTED:
		if (tval_truthy(resolve(r, n, c)))
			return 0;
		return render_list(r, n->kids, c, in, sc, false);
	case NODE_PARTIAL:
	case NODE_PARENT:
		return render_expand(r, n, c, in, sc);
	case NODE_BLOCK:
		return render_block(r, n, c, in, sc);
	default:
		return 0;
	}
}

/*
 * Render a list of nodes, indenting the lines that begin at one; with
 * "begun", the caller has already indented the first.
 */
static int
render_list(struct render *r, const struct node *n, const struct ctx *c,
    const struct indent *in, const struct scope *sc, bool begun)
{
	for (; n != NULL; n = n->next, begun = false) {
		if (++r->steps > TMPL_MAX_STEPS ||
		    r->out->len - r->start > TMPL_MAX_OUTPUT)
			return -1;
		if (n->bol && !begun)
			put_indent(r->out, in);
		if (render_node(r, n, c, in, sc) == -1)
			return -1;
	}
	return 0;
}

/*
 * On failure the output is cut back to what it held before, so a caller
 * never sends half a page.
 */
int
tmpl_render(const struct tmpl_set *set, const char *name,
    const struct tval *ctx, struct buf *out)
{
	const struct tmpl	*t;
	struct render		 r;
	struct ctx		 root;

	if ((t = tmpl_find(set, name)) == NULL)
		return -1;
	r.set = set;
	r.out = out;
	r.start = out->len;
	r.depth = 0;
	r.steps = 0;
	root.val = ctx;
	root.up = NULL;
	if (render_list(&r, t->nodes, &root, NULL, NULL, false) == -1) {
		out->len = r.start;
		if (out->p != NULL)
			out->p[out->len] = '\0';
		return -1;
	}
	return 0;
}
