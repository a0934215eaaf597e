/*
 * tmpl.c: parse a directory of mustache-like templates once into node trees
 * (bounded, with file:line errors), then render them against a value tree:
 * escaped by default, raw only for html values, unknown names are errors.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "log.h"
#include "str.h"
#include "tmpl.h"

enum node_kind {
	NODE_TEXT,	/* literal bytes */
	NODE_VAR,	/* {{x}} */
	NODE_RAW,	/* {{{x}}} {{& x}} */
	NODE_IF,	/* {{#if x}} */
	NODE_UNLESS,	/* {{#unless x}} */
	NODE_EACH,	/* {{#each x}} */
	NODE_PARTIAL,	/* {{> name}} */
	NODE_BLOCK,	/* {{#> name}}...{{/name}} */
	NODE_SLOT,	/* {{> @partial-block}} */
	NODE__MAX
};

enum name_kind {
	NAME_PATH,	/* a or a.b.c */
	NAME_DOT,	/* . */
	NAME_INDEX,	/* @index */
};

struct node {
	enum node_kind	 kind;
	unsigned int	 line;
	const char	*text;		/* NODE_TEXT bytes, else the name */
	size_t		 len;
	enum name_kind	 nk;
	const char	**seg;		/* NAME_PATH parts, NUL-terminated */
	size_t		 nseg;
	struct node	*body;		/* sections: the main part */
	struct node	*alt;		/* sections: after {{else}} */
	struct tmpl	*partial;	/* resolved once every file is parsed */
	struct node	*next;
};

enum tmpl_mode {
	MODE_HTML,
	MODE_TEXT,
	MODE__MAX
};

struct tmpl {
	const char	*name;
	enum tmpl_mode	 mode;
	struct node	*root;
	int		 mark;		/* cycle check: 0 new, 1 on path, 2 done */
};

struct tset {
	struct arena	*a;
	struct tmpl	*v;		/* sorted by name */
	size_t		 n;
};

enum tag {
	TAG_VAR,
	TAG_RAW,
	TAG_COMMENT,
	TAG_IF,
	TAG_UNLESS,
	TAG_EACH,
	TAG_BLOCK,
	TAG_PARTIAL,
	TAG_ELSE,
	TAG_CLOSE,
	TAG__MAX
};

struct tagdef {
	const char	*prefix;	/* how the tag's inside starts */
	bool		 word;		/* the prefix must be followed by a blank */
	bool		 standalone;	/* alone on its line, the line goes */
	enum node_kind	 node;		/* what it opens or emits */
};

/* Matched in this order; TAG_VAR (no prefix) is the fallback. */
static const struct tagdef tagdefs[TAG__MAX] = {
	{ "",		false,	false,	NODE_VAR },	/* TAG_VAR */
	{ "&",		false,	false,	NODE_RAW },	/* TAG_RAW */
	{ "!",		false,	true,	NODE__MAX },	/* TAG_COMMENT */
	{ "#if",	true,	true,	NODE_IF },	/* TAG_IF */
	{ "#unless",	true,	true,	NODE_UNLESS },	/* TAG_UNLESS */
	{ "#each",	true,	true,	NODE_EACH },	/* TAG_EACH */
	{ "#>",		false,	true,	NODE_BLOCK },	/* TAG_BLOCK */
	{ ">",		false,	true,	NODE_PARTIAL },	/* TAG_PARTIAL */
	{ "else",	false,	true,	NODE__MAX },	/* TAG_ELSE */
	{ "/",		false,	true,	NODE__MAX },	/* TAG_CLOSE */
};

/* How a section is named in messages and in its closing tag. */
static const char *const node_names[NODE__MAX] = {
	"text",		/* NODE_TEXT */
	"value",	/* NODE_VAR */
	"raw value",	/* NODE_RAW */
	"if",		/* NODE_IF */
	"unless",	/* NODE_UNLESS */
	"each",		/* NODE_EACH */
	"partial",	/* NODE_PARTIAL */
	"partial block", /* NODE_BLOCK */
	"partial block slot", /* NODE_SLOT */
};

static const char *const mode_ext[MODE__MAX] = {
	".html",	/* MODE_HTML */
	".txt",		/* MODE_TEXT */
};

static const char *const kind_names[TMPL__MAX] = {
	"a string",	/* TMPL_STR */
	"trusted HTML",	/* TMPL_HTML */
	"an integer",	/* TMPL_INT */
	"a boolean",	/* TMPL_BOOL */
	"a list",	/* TMPL_LIST */
	"an object",	/* TMPL_OBJ */
};

/* kcgi's set plus the backtick (old IE attribute quoting). */
static const char *const html_esc[256] = {
	['&'] = "&amp;",
	['<'] = "&lt;",
	['>'] = "&gt;",
	['"'] = "&quot;",
	['\''] = "&#39;",
	['`'] = "&#96;",
};

#define SLOT_NAME	"@partial-block"

/* One template being parsed. */
struct pframe {
	struct node	*sec;		/* the open section; NULL at the root */
	struct node	**tail;		/* where the next node is linked */
	bool		 in_alt;	/* {{else}} seen */
};

struct parser {
	struct arena	*a;
	const char	*prefix;	/* directory, for messages */
	struct tmpl	*t;
	unsigned int	 line;
	size_t		 nnodes;
	struct pframe	 stack[TMPL_NEST_MAX + 1];
	size_t		 depth;
	char		*err;
	size_t		 errsz;
};

/* One render (or check) in progress. */
struct ctx {
	const struct tmpl_val	*val;
	int64_t			 idx;	/* -1 unless an {{#each}} item */
	const struct ctx	*up;
};

struct block {
	const struct node	*body;
	const struct tmpl	*t;	/* where the body is written */
	const struct ctx	*ctx;	/* the context at {{#> }} */
	const struct block	*outer;	/* the block active there */
};

struct rstate {
	struct buf		*out;	/* NULL when only checking */
	enum tmpl_mode		 mode;
	bool			 check;	/* walk every branch */
	const struct tmpl	*t;
	const struct ctx	*ctx;
	const struct block	*blk;
	const struct tmpl	*active[TMPL_PARTIAL_DEPTH];
	size_t			 nactive;
	char			*err;
	size_t			 errsz;
};

typedef int (*render_fn)(struct rstate *, const struct node *);

static int	 perr(struct parser *, unsigned int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 rerr(struct rstate *, const struct node *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static bool	 is_blank(char);
static unsigned int count_nl(const char *, const char *);
static bool	 name_char(char);
static bool	 standalone(const char *, const char *, const char *,
		    const char *, const char **, const char **);
static struct node *node_new(struct parser *, enum node_kind);
static int	 link_node(struct parser *, struct node *);
static int	 parse_name(struct parser *, struct node *, const char *,
		    size_t);
static int	 parse_partial_name(struct parser *, struct node *,
		    const char *, size_t);
static int	 parse_tag(struct parser *, enum tag, const char *, size_t);
static int	 parse_close(struct parser *, const char *, size_t);
static int	 parse(struct parser *, const char *, size_t);
static bool	 tmpl_name_ok(const char *);
static enum tmpl_mode tmpl_mode_of(const char *);
static int	 src_cmp(const void *, const void *);
static struct tmpl *set_find(const struct tset *, const char *, size_t);
static int	 resolve(struct tset *, const struct tmpl *, struct node *,
		    const char *, char *, size_t);
static int	 cycle_check(struct tmpl *, const char *, char *, size_t);
static int	 load_set(const struct tmpl_src *, size_t, const char *,
		    char *, size_t);
static int	 read_file(struct arena *, const char *, const char *,
		    const char **, char *, size_t);
static int	 collect_dir(struct arena *, const char *, const char *, int,
		    struct tmpl_src *, size_t *, char *, size_t);
static void	 emit(struct rstate *, const char *, size_t);
static void	 emit_escaped(struct rstate *, const char *);
static int	 lookup(struct rstate *, const struct node *,
		    struct tmpl_val *, const struct tmpl_val **);
static bool	 truthy(const struct tmpl_val *);
static int	 render_list(struct rstate *, const struct node *);
static int	 render_text(struct rstate *, const struct node *);
static int	 render_var(struct rstate *, const struct node *);
static int	 render_raw(struct rstate *, const struct node *);
static int	 render_cond(struct rstate *, const struct node *);
static int	 render_each(struct rstate *, const struct node *);
static int	 render_partial(struct rstate *, const struct node *);
static int	 render_slot(struct rstate *, const struct node *);
static int	 render_run(struct buf *, const char *, const struct tmpl_val *,
		    enum tmpl_mode, bool, char *, size_t);
static struct tmpl_val *val_new(struct arena *, enum tmpl_kind);
static struct arena *obj_arena(const struct tmpl_val *);
static struct arena *list_arena(const struct tmpl_val *);
static void	 obj_put(struct tmpl_val *, const char *, struct tmpl_val *);

static const render_fn render_fns[NODE__MAX] = {
	render_text,	/* NODE_TEXT */
	render_var,	/* NODE_VAR */
	render_raw,	/* NODE_RAW */
	render_cond,	/* NODE_IF */
	render_cond,	/* NODE_UNLESS */
	render_each,	/* NODE_EACH */
	render_partial,	/* NODE_PARTIAL */
	render_partial,	/* NODE_BLOCK */
	render_slot,	/* NODE_SLOT */
};

static struct tset	*set;	/* the loaded templates; process lifetime */

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (errsz == 0)
		return;
	va_start(ap, fmt);
	if (vsnprintf(err, errsz, fmt, ap) < 0)
		err[0] = '\0';
	va_end(ap);
}

/* A parse error at line of the template being parsed; returns -1. */
static int
perr(struct parser *p, unsigned int line, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (p->errsz == 0)
		return -1;
	n = snprintf(p->err, p->errsz, "%s%s:%u: ", p->prefix, p->t->name,
	    line);
	if (n < 0 || (size_t)n >= p->errsz)
		return -1;
	va_start(ap, fmt);
	if (vsnprintf(p->err + n, p->errsz - (size_t)n, fmt, ap) < 0)
		p->err[n] = '\0';
	va_end(ap);
	return -1;
}

/* A render error at node n of the current template; returns -1. */
static int
rerr(struct rstate *st, const struct node *n, const char *fmt, ...)
{
	va_list	 ap;
	int	 len;

	if (st->errsz == 0)
		return -1;
	len = snprintf(st->err, st->errsz, "%s:%u: ", st->t->name, n->line);
	if (len < 0 || (size_t)len >= st->errsz)
		return -1;
	va_start(ap, fmt);
	if (vsnprintf(st->err + len, st->errsz - (size_t)len, fmt, ap) < 0)
		st->err[len] = '\0';
	va_end(ap);
	return -1;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static unsigned int
count_nl(const char *s, const char *e)
{
	unsigned int	 n = 0;

	for (; s < e; s++)
		if (*s == '\n')
			n++;
	return n;
}

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/*
 * Mustache's standalone rule: a block tag alone on its line (blanks around
 * it) takes the whole line with it, so sections do not leave blank lines in
 * text mail. On true, *ws is where the line's blanks start and *after is past
 * its newline.
 */
static bool
standalone(const char *src, const char *end, const char *q, const char *r,
    const char **ws, const char **after)
{
	const char	*b = q, *e = r;

	while (b > src && is_blank(b[-1]))
		b--;
	if (b > src && b[-1] != '\n')
		return false;
	while (e < end && is_blank(*e))
		e++;
	if (e < end) {
		if (*e == '\n')
			e++;
		else if (*e == '\r' && e + 1 < end && e[1] == '\n')
			e += 2;
		else
			return false;
	}
	*ws = b;
	*after = e;
	return true;
}

static struct node *
node_new(struct parser *p, enum node_kind kind)
{
	struct node	*n;

	n = arena_calloc(p->a, 1, sizeof(*n));
	n->kind = kind;
	n->line = p->line;
	return n;
}

/* Append n where the innermost open section (or the root) is. */
static int
link_node(struct parser *p, struct node *n)
{
	struct pframe	*f = &p->stack[p->depth];

	if (++p->nnodes > TMPL_NODES_MAX)
		return perr(p, n->line, "more than %d tags and texts",
		    TMPL_NODES_MAX);
	*f->tail = n;
	f->tail = &n->next;
	return 0;
}

/* A value name: ".", "@index", or dotted [A-Za-z0-9_] parts. */
static int
parse_name(struct parser *p, struct node *n, const char *s, size_t len)
{
	size_t	 i, start, k;

	n->text = s;
	n->len = len;
	if (len == 0)
		return perr(p, p->line, "missing name in tag");
	if (len > TMPL_NAME_MAX)
		return perr(p, p->line, "name longer than %d bytes",
		    TMPL_NAME_MAX);
	if (len == 1 && s[0] == '.') {
		n->nk = NAME_DOT;
		return 0;
	}
	if (len == 6 && memcmp(s, "@index", 6) == 0) {
		n->nk = NAME_INDEX;
		return 0;
	}
	n->nk = NAME_PATH;
	n->nseg = 1;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			n->nseg++;
			continue;
		}
		if (!name_char(s[i]))
			return perr(p, p->line, "bad name '%.*s' (use letters, "
			    "digits, _ and dots)", (int)len, s);
	}
	n->seg = arena_calloc(p->a, n->nseg, sizeof(*n->seg));
	for (i = start = k = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == start)
			return perr(p, p->line, "bad name '%.*s' (empty part)",
			    (int)len, s);
		n->seg[k++] = arena_strndup(p->a, s + start, i - start);
		start = i + 1;
	}
	return 0;
}

/* A partial's name: a template name without its extension, or the slot. */
static int
parse_partial_name(struct parser *p, struct node *n, const char *s,
    size_t len)
{
	size_t	 i;

	n->text = s;
	n->len = len;
	if (len == 0)
		return perr(p, p->line, "missing partial name");
	if (len > TMPL_NAME_MAX)
		return perr(p, p->line, "name longer than %d bytes",
		    TMPL_NAME_MAX);
	if (len == strlen(SLOT_NAME) && memcmp(s, SLOT_NAME, len) == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (!name_char(s[i]) && s[i] != '-' &&
		    !(s[i] == '/' && i > 0 && i + 1 < len && s[i - 1] != '/'))
			return perr(p, p->line, "bad partial name '%.*s'",
			    (int)len, s);
	return 0;
}

/* {{/name}}: close the innermost section, which must be the one named. */
static int
parse_close(struct parser *p, const char *s, size_t len)
{
	struct node	*sec;
	const char	*want;
	size_t		 wlen;

	if (p->depth == 0)
		return perr(p, p->line, "{{/%.*s}} without an open section",
		    (int)len, s);
	sec = p->stack[p->depth].sec;
	if (sec->kind == NODE_BLOCK) {
		want = sec->text;
		wlen = sec->len;
	} else {
		want = node_names[sec->kind];
		wlen = strlen(want);
	}
	if (len != wlen || memcmp(s, want, len) != 0)
		return perr(p, p->line, "{{/%.*s}} does not close {{#%s%s%.*s}} "
		    "opened at line %u", (int)len, s,
		    sec->kind == NODE_BLOCK ? ">" : node_names[sec->kind],
		    " ", (int)sec->len, sec->text, sec->line);
	p->depth--;
	return 0;
}

/* Act on one tag: arg is its inside after the prefix, blanks trimmed. */
static int
parse_tag(struct parser *p, enum tag tag, const char *arg, size_t len)
{
	struct node	*n;
	struct pframe	*f;

	switch (tag) {
	case TAG_COMMENT:
		return 0;
	case TAG_CLOSE:
		return parse_close(p, arg, len);
	case TAG_ELSE:
		if (len != 0)
			return perr(p, p->line, "bad tag {{else %.*s}}",
			    (int)len, arg);
		f = &p->stack[p->depth];
		if (p->depth == 0)
			return perr(p, p->line, "{{else}} outside a section");
		if (f->sec->kind == NODE_BLOCK)
			return perr(p, p->line, "{{else}} inside {{#> %.*s}}",
			    (int)f->sec->len, f->sec->text);
		if (f->in_alt)
			return perr(p, p->line, "second {{else}} in {{#%s}} "
			    "opened at line %u", node_names[f->sec->kind],
			    f->sec->line);
		f->in_alt = true;
		f->tail = &f->sec->alt;
		return 0;
	default:
		break;
	}
	if (tag == TAG_RAW && p->t->mode == MODE_TEXT)
		return perr(p, p->line, "raw tag in a text template (text "
		    "output is never escaped)");
	n = node_new(p, tagdefs[tag].node);
	if (tag == TAG_PARTIAL || tag == TAG_BLOCK) {
		if (parse_partial_name(p, n, arg, len) == -1)
			return -1;
		if (len == strlen(SLOT_NAME) &&
		    memcmp(arg, SLOT_NAME, len) == 0) {
			if (tag == TAG_BLOCK)
				return perr(p, p->line, "{{#> " SLOT_NAME
				    "}} is not a partial");
			n->kind = NODE_SLOT;
		}
	} else if (parse_name(p, n, arg, len) == -1)
		return -1;
	if (link_node(p, n) == -1)
		return -1;
	if (tag == TAG_VAR || tag == TAG_RAW || tag == TAG_PARTIAL)
		return 0;
	if (p->depth == TMPL_NEST_MAX)
		return perr(p, p->line, "sections nested deeper than %d",
		    TMPL_NEST_MAX);
	f = &p->stack[++p->depth];
	f->sec = n;
	f->tail = &n->body;
	f->in_alt = false;
	return 0;
}

/*
 * Parse src (len bytes, NUL-terminated, kept alive by the caller) into
 * p->t->root. Returns 0, or -1 with p->err naming file:line.
 */
static int
parse(struct parser *p, const char *src, size_t len)
{
	const char	*end = src + len, *s = src, *q, *r, *c, *ce, *ws;
	const char	*after, *close;
	struct node	*n;
	enum tag	 tag;
	size_t		 plen, i;
	bool		 triple;

	p->line = 1;
	p->depth = 0;
	p->stack[0].sec = NULL;
	p->stack[0].tail = &p->t->root;
	p->stack[0].in_alt = false;
	while (s < end) {
		for (q = s; q + 1 < end && !(q[0] == '{' && q[1] == '{'); q++)
			continue;
		if (q + 1 >= end)
			q = end;
		triple = q + 2 < end && q[2] == '{';
		/* The tag's inside [c, ce) and its end r. */
		tag = TAG_VAR;
		c = ce = r = end;
		if (q < end) {
			c = q + (triple ? 3 : 2);
			close = triple ? "}}}" : "}}";
			plen = triple ? 3 : 2;
			for (ce = c; ce < end; ce++) {
				if ((size_t)(end - ce) >= plen &&
				    memcmp(ce, close, plen) == 0)
					break;
				if (*ce == '\n' && !(!triple && *c == '!'))
					break;
			}
			if (ce == end || *ce == '\n') {
				p->line += count_nl(s, q);
				if (!triple && *c == '!')
					return perr(p, p->line, "unterminated "
					    "comment '{{!' (no '}}')");
				return perr(p, p->line, "unterminated tag '%s' "
				    "(no '%s' on its line)", triple ? "{{{" :
				    "{{", close);
			}
			r = ce + plen;
			while (c < ce && is_blank(*c))
				c++;
			while (ce > c && is_blank(ce[-1]))
				ce--;
			if (triple)
				tag = TAG_RAW;
			else
				for (i = TAG_RAW; i < TAG__MAX; i++) {
					plen = strlen(tagdefs[i].prefix);
					if ((size_t)(ce - c) < plen ||
					    memcmp(c, tagdefs[i].prefix, plen))
						continue;
					if (i == TAG_ELSE && c + plen < ce &&
					    !is_blank(c[plen]))
						continue;
					if (tagdefs[i].word && c + plen < ce &&
					    !is_blank(c[plen]))
						continue;
					tag = (enum tag)i;
					c += plen;
					while (c < ce && is_blank(*c))
						c++;
					break;
				}
			if (!triple && tag == TAG_VAR && c < ce &&
			    (*c == '#' || *c == '^' || *c == '{' ||
			    *c == '=' || *c == '<' || *c == '$')) {
				p->line += count_nl(s, q);
				return perr(p, p->line, "unknown tag "
				    "'{{%.*s}}'", (int)(ce - c), c);
			}
		}
		/* Text up to the tag, less a standalone tag's line. */
		ws = q;
		after = r;
		if (q < end && tagdefs[tag].standalone)
			(void)standalone(src, end, q, r, &ws, &after);
		if (ws > s) {
			n = node_new(p, NODE_TEXT);
			n->text = s;
			n->len = (size_t)(ws - s);
			if (link_node(p, n) == -1)
				return -1;
		}
		p->line += count_nl(s, q);
		if (q == end)
			break;
		if (parse_tag(p, tag, c, (size_t)(ce - c)) == -1)
			return -1;
		p->line += count_nl(q, after);
		s = after;
	}
	if (p->depth > 0) {
		n = p->stack[p->depth].sec;
		return perr(p, n->line, "{{#%s%s%.*s}} is never closed",
		    n->kind == NODE_BLOCK ? ">" : node_names[n->kind], " ",
		    (int)n->len, n->text);
	}
	return 0;
}

/*
 * A template name: relative, '/'-separated parts of [A-Za-z0-9_.-] that do
 * not start with a dot, ending in .html or .txt.
 */
static bool
tmpl_name_ok(const char *name)
{
	const char	*s;
	size_t		 len = strlen(name);

	if (len == 0 || len > TMPL_NAME_MAX || tmpl_mode_of(name) == MODE__MAX)
		return false;
	for (s = name; *s != '\0'; s++) {
		if ((s == name || s[-1] == '/') && (*s == '.' || *s == '/'))
			return false;
		if (!name_char(*s) && *s != '.' && *s != '-' && *s != '/')
			return false;
	}
	return true;
}

/* The mode a name's extension asks for; MODE__MAX if neither. */
static enum tmpl_mode
tmpl_mode_of(const char *name)
{
	size_t	 len = strlen(name), elen, i;

	for (i = 0; i < MODE__MAX; i++) {
		elen = strlen(mode_ext[i]);
		if (len > elen && strcmp(name + len - elen, mode_ext[i]) == 0)
			return (enum tmpl_mode)i;
	}
	return MODE__MAX;
}

static int
src_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tmpl_src *)a)->name,
	    ((const struct tmpl_src *)b)->name);
}

/* The template named exactly name[0..len); NULL if none. */
static struct tmpl *
set_find(const struct tset *ts, const char *name, size_t len)
{
	size_t	 lo = 0, hi = ts->n, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strncmp(name, ts->v[mid].name, len);
		if (c == 0 && ts->v[mid].name[len] != '\0')
			c = -1;
		if (c == 0)
			return &ts->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Point every partial tag under n at its template (same extension as t). */
static int
resolve(struct tset *ts, const struct tmpl *t, struct node *n,
    const char *prefix, char *err, size_t errsz)
{
	char	 name[TMPL_NAME_MAX + 8];
	int	 len;

	for (; n != NULL; n = n->next) {
		if (n->kind == NODE_PARTIAL || n->kind == NODE_BLOCK) {
			len = snprintf(name, sizeof(name), "%.*s%s",
			    (int)n->len, n->text, mode_ext[t->mode]);
			if (len < 0 || (size_t)len >= sizeof(name) ||
			    (n->partial = set_find(ts, name, (size_t)len)) ==
			    NULL) {
				seterr(err, errsz, "%s%s:%u: unknown partial "
				    "'%.*s' (no %.*s%s)", prefix, t->name,
				    n->line, (int)n->len, n->text, (int)n->len,
				    n->text, mode_ext[t->mode]);
				return -1;
			}
		}
		if (resolve(ts, t, n->body, prefix, err, errsz) == -1 ||
		    resolve(ts, t, n->alt, prefix, err, errsz) == -1)
			return -1;
	}
	return 0;
}

/*
 * Depth-first over the partials a template always renders (not those under
 * a section or in a block body): reaching one on the current path means the
 * recursion can never end, so it is a load error rather than a render error.
 */
static int
cycle_check(struct tmpl *t, const char *prefix, char *err, size_t errsz)
{
	const struct node	*n;
	struct tmpl		*to;

	if (t->mark == 2)
		return 0;
	t->mark = 1;
	for (n = t->root; n != NULL; n = n->next) {
		if (n->kind != NODE_PARTIAL && n->kind != NODE_BLOCK)
			continue;
		to = n->partial;
		if (to->mark == 1) {
			seterr(err, errsz, "%s%s:%u: partial '%.*s' includes "
			    "itself unconditionally (endless recursion)",
			    prefix, t->name, n->line, (int)n->len, n->text);
			return -1;
		}
		if (cycle_check(to, prefix, err, errsz) == -1)
			return -1;
	}
	t->mark = 2;
	return 0;
}

/*
 * Parse every source into a new set; on success it replaces the loaded one.
 * Messages name prefix + template name + line.
 */
static int
load_set(const struct tmpl_src *srcs, size_t n, const char *prefix,
    char *err, size_t errsz)
{
	struct tset		*ts;
	struct tmpl_src		*sorted;
	struct parser		 p;
	const char		*text;
	size_t			 i, len;

	if (n > TMPL_FILES_MAX) {
		seterr(err, errsz, "%smore than %d templates", prefix,
		    TMPL_FILES_MAX);
		return -1;
	}
	ts = xcalloc(1, sizeof(*ts));
	ts->a = arena_new();
	ts->v = arena_calloc(ts->a, n ? n : 1, sizeof(*ts->v));
	sorted = arena_calloc(ts->a, n ? n : 1, sizeof(*sorted));
	if (n > 0)
		memcpy(sorted, srcs, n * sizeof(*srcs));
	qsort(sorted, n, sizeof(*sorted), src_cmp);
	memset(&p, 0, sizeof(p));
	p.a = ts->a;
	p.prefix = prefix;
	p.err = err;
	p.errsz = errsz;
	for (i = 0; i < n; i++) {
		if (!tmpl_name_ok(sorted[i].name)) {
			seterr(err, errsz, "%s%s: bad template name (want "
			    "[A-Za-z0-9_.-/] ending in .html or .txt)", prefix,
			    sorted[i].name);
			goto fail;
		}
		if (i > 0 && strcmp(sorted[i - 1].name, sorted[i].name) == 0) {
			seterr(err, errsz, "%s%s: loaded twice", prefix,
			    sorted[i].name);
			goto fail;
		}
		len = strlen(sorted[i].text);
		if (len > TMPL_FILE_MAX) {
			seterr(err, errsz, "%s%s: larger than %d bytes", prefix,
			    sorted[i].name, TMPL_FILE_MAX);
			goto fail;
		}
		if (!str_utf8_valid(sorted[i].text, len)) {
			seterr(err, errsz, "%s%s: not valid UTF-8", prefix,
			    sorted[i].name);
			goto fail;
		}
		ts->v[i].name = arena_strdup(ts->a, sorted[i].name);
		ts->v[i].mode = tmpl_mode_of(sorted[i].name);
		text = arena_strndup(ts->a, sorted[i].text, len);
		p.t = &ts->v[i];
		p.nnodes = 0;
		if (parse(&p, text, len) == -1)
			goto fail;
	}
	ts->n = n;
	for (i = 0; i < n; i++)
		if (resolve(ts, &ts->v[i], ts->v[i].root, prefix, err,
		    errsz) == -1)
			goto fail;
	for (i = 0; i < n; i++)
		if (cycle_check(&ts->v[i], prefix, err, errsz) == -1)
			goto fail;
	tmpl_free();
	set = ts;
	return 0;
fail:
	arena_free(ts->a);
	free(ts);
	return -1;
}

/* Read dir/rel whole into the arena, bounded by TMPL_FILE_MAX. */
static int
read_file(struct arena *a, const char *path, const char *rel,
    const char **text, char *err, size_t errsz)
{
	struct stat	 sb;
	char		*data;
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		seterr(err, errsz, "%s: not a readable file", path);
		close(fd);
		return -1;
	}
	if (sb.st_size > TMPL_FILE_MAX) {
		seterr(err, errsz, "%s: larger than %d bytes", path,
		    TMPL_FILE_MAX);
		close(fd);
		return -1;
	}
	data = arena_alloc(a, (size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		r = read(fd, data + got, (size_t)sb.st_size - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != (size_t)sb.st_size) {
		seterr(err, errsz, "%s: short read", path);
		return -1;
	}
	data[got] = '\0';
	if (strlen(data) != got) {
		seterr(err, errsz, "%s: contains a NUL byte", rel);
		return -1;
	}
	*text = data;
	return 0;
}

/*
 * Add every *.html and *.txt under root/rel (rel NULL: root itself) to srcs,
 * named relative to root. Hidden entries are skipped.
 */
static int
collect_dir(struct arena *a, const char *root, const char *rel, int depth,
    struct tmpl_src *srcs, size_t *n, char *err, size_t errsz)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	const char	*dir, *name, *path;
	int		 rc = 0;

	dir = rel == NULL ? root : arena_printf(a, "%s/%s", root, rel);
	if ((d = opendir(dir)) == NULL) {
		seterr(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		name = rel == NULL ? arena_strdup(a, de->d_name) :
		    arena_printf(a, "%s/%s", rel, de->d_name);
		path = arena_printf(a, "%s/%s", root, name);
		if (stat(path, &sb) == -1) {
			seterr(err, errsz, "%s: %s", path, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(sb.st_mode)) {
			if (depth == TMPL_DIR_DEPTH) {
				seterr(err, errsz, "%s: more than %d directory "
				    "levels", path, TMPL_DIR_DEPTH);
				rc = -1;
			} else
				rc = collect_dir(a, root, name, depth + 1,
				    srcs, n, err, errsz);
		} else if (S_ISREG(sb.st_mode) &&
		    tmpl_mode_of(name) != MODE__MAX) {
			if (*n == TMPL_FILES_MAX) {
				seterr(err, errsz, "%s: more than %d templates",
				    root, TMPL_FILES_MAX);
				rc = -1;
			} else if ((rc = read_file(a, path, name,
			    &srcs[*n].text, err, errsz)) == 0)
				srcs[(*n)++].name = name;
		}
	}
	closedir(d);
	return rc;
}

/*
 * Parse every *.html and *.txt file under dir (and its subdirectories, named
 * "sub/x.html") into the process's template set, replacing any loaded one.
 * Returns 0, or -1 with err naming the file and line; the previous set then
 * stays loaded.
 */
int
tmpl_load_dir(const char *dir, char *err, size_t errsz)
{
	struct arena	*a;
	struct tmpl_src	*srcs;
	size_t		 n = 0;
	int		 rc;

	a = arena_new();
	srcs = arena_calloc(a, TMPL_FILES_MAX, sizeof(*srcs));
	rc = collect_dir(a, dir, NULL, 0, srcs, &n, err, errsz);
	if (rc == 0)
		rc = load_set(srcs, n, arena_printf(a, "%s/", dir), err, errsz);
	arena_free(a);
	return rc;
}

/*
 * As tmpl_load_dir() for n templates given as text (tests, built-ins). The
 * texts are copied. Returns 0, or -1 with err naming name:line.
 */
int
tmpl_load_mem(const struct tmpl_src *srcs, size_t n, char *err, size_t errsz)
{
	return load_set(srcs, n, "", err, errsz);
}

/*
 * Unload the template set (at exit, or before loading another).
 */
void
tmpl_free(void)
{
	if (set == NULL)
		return;
	arena_free(set->a);
	free(set);
	set = NULL;
}

/*
 * The loaded template with this exact name ("layout.html"), or NULL when
 * there is none. Valid until the set is freed or replaced.
 */
const struct tmpl *
tmpl_get(const char *name)
{
	if (set == NULL)
		return NULL;
	return set_find(set, name, strlen(name));
}

/*
 * How many templates are loaded (0 before a load).
 */
size_t
tmpl_count(void)
{
	return set == NULL ? 0 : set->n;
}

/*
 * The name of loaded template i (< tmpl_count()), in name order. Owned by
 * the set.
 */
const char *
tmpl_name(size_t i)
{
	if (set == NULL || i >= set->n)
		return NULL;
	return set->v[i].name;
}

/*
 * Append s[0..n) with & < > " ' and ` replaced by character references:
 * safe in element text and in quoted attribute values. Other bytes,
 * UTF-8 included, pass through.
 */
void
tmpl_html_escape(struct buf *b, const char *s, size_t n)
{
	size_t	 i, run = 0;
	const char *rep;

	for (i = 0; i < n; i++) {
		rep = html_esc[(unsigned char)s[i]];
		if (rep == NULL)
			continue;
		buf_add(b, s + run, i - run);
		buf_puts(b, rep);
		run = i + 1;
	}
	buf_add(b, s + run, n - run);
}

static void
emit(struct rstate *st, const char *s, size_t n)
{
	if (st->out != NULL)
		buf_add(st->out, s, n);
}

static void
emit_escaped(struct rstate *st, const char *s)
{
	if (st->out == NULL)
		return;
	if (st->mode == MODE_HTML)
		tmpl_html_escape(st->out, s, strlen(s));
	else
		buf_puts(st->out, s);
}

/*
 * Find n's name: "." is the current item, "@index" the innermost each's
 * position, and a.b.c finds a in the nearest enclosing context that has it,
 * then b and c inside. @index comes back in *scratch.
 */
static int
lookup(struct rstate *st, const struct node *n, struct tmpl_val *scratch,
    const struct tmpl_val **out)
{
	const struct ctx	*c;
	const struct tmpl_val	*v = NULL;
	size_t			 i;

	switch (n->nk) {
	case NAME_DOT:
		if (st->ctx->val == NULL)
			return rerr(st, n, "no current value for {{.}}");
		*out = st->ctx->val;
		return 0;
	case NAME_INDEX:
		for (c = st->ctx; c != NULL && c->idx < 0; c = c->up)
			continue;
		if (c == NULL)
			return rerr(st, n, "@index outside {{#each}}");
		scratch->kind = TMPL_INT;
		scratch->u.i = c->idx;
		*out = scratch;
		return 0;
	case NAME_PATH:
		break;
	}
	for (c = st->ctx; c != NULL && v == NULL; c = c->up)
		v = tmpl_get_val(c->val, n->seg[0]);
	for (i = 1; i < n->nseg && v != NULL; i++)
		v = tmpl_get_val(v, n->seg[i]);
	if (v == NULL)
		return rerr(st, n, "unknown variable '%.*s'", (int)n->len,
		    n->text);
	*out = v;
	return 0;
}

/* Empty strings, zero, false and empty lists are false. */
static bool
truthy(const struct tmpl_val *v)
{
	switch (v->kind) {
	case TMPL_STR:
	case TMPL_HTML:
		return v->u.s[0] != '\0';
	case TMPL_INT:
		return v->u.i != 0;
	case TMPL_BOOL:
		return v->u.b;
	case TMPL_LIST:
		return v->u.list.n > 0;
	default:
		return true;
	}
}

static int
render_list(struct rstate *st, const struct node *n)
{
	for (; n != NULL; n = n->next) {
		if (render_fns[n->kind](st, n) == -1)
			return -1;
		if (st->out != NULL && st->out->err)
			return rerr(st, n, "output exceeds %zu bytes",
			    st->out->max);
	}
	return 0;
}

static int
render_text(struct rstate *st, const struct node *n)
{
	emit(st, n->text, n->len);
	return 0;
}

/* {{x}}: a string (escaped in HTML), integer or boolean. */
static int
render_var(struct rstate *st, const struct node *n)
{
	struct tmpl_val		 scratch;
	const struct tmpl_val	*v;

	if (lookup(st, n, &scratch, &v) == -1)
		return -1;
	switch (v->kind) {
	case TMPL_STR:
		emit_escaped(st, v->u.s);
		return 0;
	case TMPL_HTML:
		if (st->mode == MODE_HTML)
			return rerr(st, n, "'%.*s' is trusted HTML: write "
			    "{{{%.*s}}}", (int)n->len, n->text, (int)n->len,
			    n->text);
		emit(st, v->u.s, strlen(v->u.s));
		return 0;
	case TMPL_INT:
		if (st->out != NULL)
			buf_printf(st->out, "%" PRId64, v->u.i);
		return 0;
	case TMPL_BOOL:
		emit_escaped(st, v->u.b ? "true" : "false");
		return 0;
	default:
		return rerr(st, n, "'%.*s' is %s, not a printable value",
		    (int)n->len, n->text, kind_names[v->kind]);
	}
}

/* {{{x}}} / {{& x}}: only a value the program marked as HTML. */
static int
render_raw(struct rstate *st, const struct node *n)
{
	struct tmpl_val		 scratch;
	const struct tmpl_val	*v;

	if (lookup(st, n, &scratch, &v) == -1)
		return -1;
	if (v->kind != TMPL_HTML)
		return rerr(st, n, "{{{%.*s}}} needs trusted HTML but "
		    "'%.*s' is %s", (int)n->len, n->text, (int)n->len,
		    n->text, kind_names[v->kind]);
	emit(st, v->u.s, strlen(v->u.s));
	return 0;
}

/* {{#if}} and {{#unless}}; a check walks both branches. */
static int
render_cond(struct rstate *st, const struct node *n)
{
	struct tmpl_val		 scratch;
	const struct tmpl_val	*v;
	bool			 yes;

	if (lookup(st, n, &scratch, &v) == -1)
		return -1;
	if (st->check)
		return render_list(st, n->body) == -1 ? -1 :
		    render_list(st, n->alt);
	yes = truthy(v) == (n->kind == NODE_IF);
	return render_list(st, yes ? n->body : n->alt);
}

/* {{#each}}: the body once per item, or the {{else}} part for none. */
static int
render_each(struct rstate *st, const struct node *n)
{
	struct tmpl_val		 scratch;
	const struct tmpl_val	*v;
	const struct ctx	*saved = st->ctx;
	struct ctx		 c;
	size_t			 i;
	int			 rc = 0;

	if (lookup(st, n, &scratch, &v) == -1)
		return -1;
	if (v->kind != TMPL_LIST)
		return rerr(st, n, "{{#each %.*s}}: '%.*s' is %s, not a list",
		    (int)n->len, n->text, (int)n->len, n->text,
		    kind_names[v->kind]);
	c.up = saved;
	for (i = 0; i < v->u.list.n && rc == 0; i++) {
		c.val = v->u.list.v[i];
		c.idx = (int64_t)i;
		st->ctx = &c;
		rc = render_list(st, n->body);
	}
	st->ctx = saved;
	if (rc == 0 && (v->u.list.n == 0 || st->check))
		rc = render_list(st, n->alt);
	return rc;
}

/*
 * {{> name}} and {{#> name}}...{{/name}}: the partial in the same context; a
 * block's body becomes what the partial's {{> @partial-block}} renders. A
 * check does not re-enter a partial it is already inside.
 */
static int
render_partial(struct rstate *st, const struct node *n)
{
	const struct tmpl	*saved_t = st->t;
	const struct block	*saved_b = st->blk;
	struct block		 b;
	size_t			 i;
	int			 rc;

	if (st->check)
		for (i = 0; i < st->nactive; i++)
			if (st->active[i] == n->partial)
				return 0;
	if (st->nactive == TMPL_PARTIAL_DEPTH)
		return rerr(st, n, "partials nested deeper than %d at '%.*s'",
		    TMPL_PARTIAL_DEPTH, (int)n->len, n->text);
	if (n->kind == NODE_BLOCK) {
		b.body = n->body;
		b.t = st->t;
		b.ctx = st->ctx;
		b.outer = st->blk;
		st->blk = &b;
	}
	st->active[st->nactive++] = n->partial;
	st->t = n->partial;
	rc = render_list(st, n->partial->root);
	st->t = saved_t;
	st->blk = saved_b;
	st->nactive--;
	return rc;
}

/* {{> @partial-block}}: the caller's block, in the caller's context. */
static int
render_slot(struct rstate *st, const struct node *n)
{
	const struct tmpl	*saved_t = st->t;
	const struct ctx	*saved_c = st->ctx;
	const struct block	*b = st->blk;
	int			 rc;

	if (b == NULL)
		return st->check ? 0 : rerr(st, n, "{{> " SLOT_NAME "}} but "
		    "%s was not called as {{#> }}", st->t->name);
	st->t = b->t;
	st->ctx = b->ctx;
	st->blk = b->outer;
	rc = render_list(st, b->body);
	st->t = saved_t;
	st->ctx = saved_c;
	st->blk = b;
	return rc;
}

/* The one entry to rendering: out NULL and check set for tmpl_check(). */
static int
render_run(struct buf *out, const char *name, const struct tmpl_val *data,
    enum tmpl_mode mode, bool check, char *err, size_t errsz)
{
	struct rstate	 st;
	struct ctx	 root;
	const struct tmpl *t;
	size_t		 start = 0;
	int		 rc;

	if ((t = tmpl_get(name)) == NULL) {
		seterr(err, errsz, "%s: no such template", name);
		return -1;
	}
	if (!check && t->mode != mode) {
		seterr(err, errsz, "%s: not %s template (use %s)", name,
		    mode == MODE_HTML ? "an HTML" : "a text",
		    t->mode == MODE_HTML ? "tmpl_render" : "tmpl_render_text");
		return -1;
	}
	if (out != NULL) {
		if (out->err) {
			seterr(err, errsz, "%s: output buffer already failed",
			    name);
			return -1;
		}
		start = out->len;
	}
	memset(&st, 0, sizeof(st));
	st.out = out;
	st.mode = t->mode;
	st.check = check;
	st.t = t;
	root.val = data;
	root.idx = -1;
	root.up = NULL;
	st.ctx = &root;
	st.err = err;
	st.errsz = errsz;
	rc = render_list(&st, t->root);
	if (rc == -1 && out != NULL)
		buf_truncate(out, start);
	return rc;
}

/*
 * Render HTML template name (a *.html) with data (normally an object) onto
 * out: {{x}} escaped, {{{x}}} only for html values. Returns 0, or -1 with err
 * naming template:line and the variable; out is then cut back to its length
 * before the call (its err stays set if the output outgrew out->max).
 */
int
tmpl_render(struct buf *out, const char *name, const struct tmpl_val *data,
    char *err, size_t errsz)
{
	return render_run(out, name, data, MODE_HTML, false, err, errsz);
}

/*
 * As tmpl_render() for a text template (a *.txt, e.g. a mail body): nothing
 * is escaped. Fails for an HTML template, which must be escaped.
 */
int
tmpl_render_text(struct buf *out, const char *name,
    const struct tmpl_val *data, char *err, size_t errsz)
{
	return render_run(out, name, data, MODE_TEXT, false, err, errsz);
}

/*
 * Check that template name can be rendered with data on every path: both
 * sides of each {{#if}}/{{#unless}}, each {{#each}} body (for every item of
 * the sample list; an empty sample list checks only its {{else}}) and every
 * partial. Nothing is written. Returns 0, or -1 with err as tmpl_render().
 */
int
tmpl_check(const char *name, const struct tmpl_val *data, char *err,
    size_t errsz)
{
	return render_run(NULL, name, data, MODE__MAX, true, err, errsz);
}

static struct tmpl_val *
val_new(struct arena *a, enum tmpl_kind kind)
{
	struct tmpl_val	*v;

	v = arena_calloc(a, 1, sizeof(*v));
	v->kind = kind;
	return v;
}

/*
 * A new empty object. Lives in the arena, as does everything set in it.
 */
struct tmpl_val *
tmpl_obj_new(struct arena *a)
{
	struct tmpl_val	*v;

	v = val_new(a, TMPL_OBJ);
	v->u.obj.a = a;
	return v;
}

/*
 * A new empty list, in the arena.
 */
struct tmpl_val *
tmpl_list_new(struct arena *a)
{
	struct tmpl_val	*v;

	v = val_new(a, TMPL_LIST);
	v->u.list.a = a;
	return v;
}

/*
 * A string value; s is copied into the arena (NULL becomes "").
 */
struct tmpl_val *
tmpl_str_new(struct arena *a, const char *s)
{
	struct tmpl_val	*v;

	v = val_new(a, TMPL_STR);
	v->u.s = arena_strdup(a, s == NULL ? "" : s);
	return v;
}

/*
 * A trusted HTML value, printed unescaped by {{{x}}}. Only for markup the
 * program produced itself (another template's output), never for input.
 * Copied into the arena (NULL becomes "").
 */
struct tmpl_val *
tmpl_html_new(struct arena *a, const char *html)
{
	struct tmpl_val	*v;

	v = tmpl_str_new(a, html);
	v->kind = TMPL_HTML;
	return v;
}

/*
 * An integer value, in the arena.
 */
struct tmpl_val *
tmpl_int_new(struct arena *a, int64_t i)
{
	struct tmpl_val	*v;

	v = val_new(a, TMPL_INT);
	v->u.i = i;
	return v;
}

/*
 * A boolean value, in the arena.
 */
struct tmpl_val *
tmpl_bool_new(struct arena *a, bool b)
{
	struct tmpl_val	*v;

	v = val_new(a, TMPL_BOOL);
	v->u.b = b;
	return v;
}

/* Setting a key on a non-object is a programming error: fatal. */
static struct arena *
obj_arena(const struct tmpl_val *obj)
{
	if (obj->kind != TMPL_OBJ)
		fatalx("setting a key on %s", kind_names[obj->kind]);
	return obj->u.obj.a;
}

static void
obj_put(struct tmpl_val *obj, const char *key, struct tmpl_val *v)
{
	struct tmpl_pair	*np;
	size_t			 i;

	(void)obj_arena(obj);
	for (i = 0; i < obj->u.obj.n; i++)
		if (strcmp(obj->u.obj.v[i].key, key) == 0) {
			obj->u.obj.v[i].val = v;
			return;
		}
	if (obj->u.obj.n == obj->u.obj.cap) {
		obj->u.obj.cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 8;
		np = arena_calloc(obj->u.obj.a, obj->u.obj.cap, sizeof(*np));
		if (obj->u.obj.n > 0)
			memcpy(np, obj->u.obj.v, obj->u.obj.n * sizeof(*np));
		obj->u.obj.v = np;
	}
	obj->u.obj.v[obj->u.obj.n].key = arena_strdup(obj->u.obj.a, key);
	obj->u.obj.v[obj->u.obj.n++].val = v;
}

/*
 * Set obj[key] = v, replacing an earlier value. key should be
 * [A-Za-z0-9_]+ to be reachable from a template; it is copied. v must live
 * in the same arena. obj not an object is a programming error (fatal).
 */
void
tmpl_set(struct tmpl_val *obj, const char *key, struct tmpl_val *v)
{
	obj_put(obj, key, v);
}

/*
 * Set obj[key] to a copy of string s (NULL: ""), escaped on HTML output.
 */
void
tmpl_set_str(struct tmpl_val *obj, const char *key, const char *s)
{
	obj_put(obj, key, tmpl_str_new(obj_arena(obj), s));
}

/*
 * Set obj[key] to trusted HTML (see tmpl_html_new()).
 */
void
tmpl_set_html(struct tmpl_val *obj, const char *key, const char *html)
{
	obj_put(obj, key, tmpl_html_new(obj_arena(obj), html));
}

/*
 * Set obj[key] to an integer.
 */
void
tmpl_set_int(struct tmpl_val *obj, const char *key, int64_t i)
{
	obj_put(obj, key, tmpl_int_new(obj_arena(obj), i));
}

/*
 * Set obj[key] to a boolean.
 */
void
tmpl_set_bool(struct tmpl_val *obj, const char *key, bool b)
{
	obj_put(obj, key, tmpl_bool_new(obj_arena(obj), b));
}

/*
 * Set obj[key] to a new empty object and return it, for {{key.field}}.
 */
struct tmpl_val *
tmpl_set_obj(struct tmpl_val *obj, const char *key)
{
	struct tmpl_val	*v;

	v = tmpl_obj_new(obj_arena(obj));
	obj_put(obj, key, v);
	return v;
}

/*
 * Set obj[key] to a new empty list and return it, for {{#each key}}.
 */
struct tmpl_val *
tmpl_set_list(struct tmpl_val *obj, const char *key)
{
	struct tmpl_val	*v;

	v = tmpl_list_new(obj_arena(obj));
	obj_put(obj, key, v);
	return v;
}

/*
 * obj[key], or NULL when obj is not an object (or NULL) or has no such key.
 */
const struct tmpl_val *
tmpl_get_val(const struct tmpl_val *obj, const char *key)
{
	size_t	 i;

	if (obj == NULL || obj->kind != TMPL_OBJ)
		return NULL;
	for (i = 0; i < obj->u.obj.n; i++)
		if (strcmp(obj->u.obj.v[i].key, key) == 0)
			return obj->u.obj.v[i].val;
	return NULL;
}

/* Adding to a non-list is a programming error: fatal. */
static struct arena *
list_arena(const struct tmpl_val *list)
{
	if (list->kind != TMPL_LIST)
		fatalx("adding an item to %s", kind_names[list->kind]);
	return list->u.list.a;
}

/*
 * Append v (from the same arena) to list. list not a list is fatal.
 */
void
tmpl_list_add(struct tmpl_val *list, struct tmpl_val *v)
{
	struct tmpl_val	**nv;

	(void)list_arena(list);
	if (list->u.list.n == list->u.list.cap) {
		list->u.list.cap = list->u.list.cap ? list->u.list.cap * 2 : 8;
		nv = arena_calloc(list->u.list.a, list->u.list.cap,
		    sizeof(*nv));
		if (list->u.list.n > 0)
			memcpy(nv, list->u.list.v,
			    list->u.list.n * sizeof(*nv));
		list->u.list.v = nv;
	}
	list->u.list.v[list->u.list.n++] = v;
}

/*
 * Append a copy of string s (NULL: "") to list, for {{.}}.
 */
void
tmpl_list_add_str(struct tmpl_val *list, const char *s)
{
	tmpl_list_add(list, tmpl_str_new(list_arena(list), s));
}

/*
 * Append a new empty object to list and return it, to fill its fields.
 */
struct tmpl_val *
tmpl_list_add_obj(struct tmpl_val *list)
{
	struct tmpl_val	*v;

	v = tmpl_obj_new(list_arena(list));
	tmpl_list_add(list, v);
	return v;
}
