/*
 * tmpl.h: the HTML and plain-text template engine. A directory of *.html and
 * *.txt files is parsed once per process into trees; a request renders one
 * with a value tree built in its arena. Only html-kind values print unescaped.
 */
#ifndef COLMENA_TMPL_H
#define COLMENA_TMPL_H

/*
 * Syntax (mustache/Handlebars subset; anything else is a load error naming
 * file:line):
 *   {{a}} {{a.b}}        value; in *.html & < > " ' ` are escaped. Strings,
 *                        integers, booleans; an html value here is an error.
 *   {{{a}}} {{& a}}      raw: only for a TMPL_HTML value (a string is an
 *                        error); not allowed in *.txt templates.
 *   {{.}} {{@index}}     the current {{#each}} item; its 0-based position.
 *   {{#if a}}..{{else}}..{{/if}}, {{#unless a}}..{{else}}..{{/unless}}
 *                        false: "", 0, false, empty list; objects are true.
 *   {{#each a}}..{{else}}..{{/each}}   a must be a list; else when empty.
 *   {{> name}}           partial name + the caller's extension, in the
 *                        caller's context; "sub/name" for subdirectories.
 *   {{#> layout}}..{{/layout}}  partial block: layout's
 *                        {{> @partial-block}} renders the body, in the
 *                        caller's context.
 *   {{! comment }}       ends at the first }}; may span lines.
 * Names resolve in the innermost context that has the first part, then
 * outwards (mustache); a name found nowhere is a render error. A block tag
 * alone on its line removes that line (mustache's standalone rule).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;

#define TMPL_FILE_MAX		(256 * 1024)	/* bytes in one template */
#define TMPL_FILES_MAX		512		/* templates in one set */
#define TMPL_NODES_MAX		8192		/* tags and texts in one template */
#define TMPL_NEST_MAX		32		/* sections open at once */
#define TMPL_PARTIAL_DEPTH	16		/* partials rendering at once */
#define TMPL_NAME_MAX		128		/* template name, tag name */
#define TMPL_DIR_DEPTH		4		/* subdirectories below the root */

enum tmpl_kind {
	TMPL_STR,	/* text: escaped in HTML output */
	TMPL_HTML,	/* trusted markup: only {{{x}}} / {{& x}} print it */
	TMPL_INT,
	TMPL_BOOL,
	TMPL_LIST,
	TMPL_OBJ,
	TMPL__MAX
};

struct tmpl_val;

struct tmpl_pair {
	const char	*key;
	struct tmpl_val	*val;
};

struct tmpl_val {
	enum tmpl_kind	 kind;
	union {
		const char	*s;		/* TMPL_STR, TMPL_HTML */
		int64_t		 i;		/* TMPL_INT */
		bool		 b;		/* TMPL_BOOL */
		struct {
			struct arena	 *a;	/* where the array grows */
			struct tmpl_val	**v;
			size_t		  n, cap;
		} list;				/* TMPL_LIST */
		struct {
			struct arena	 *a;
			struct tmpl_pair *v;
			size_t		  n, cap;
		} obj;				/* TMPL_OBJ */
	} u;
};

/* One template given as text rather than read from a file. */
struct tmpl_src {
	const char	*name;	/* "layout.html", "mail/receipt.txt" */
	const char	*text;	/* NUL-terminated */
};

struct tmpl;

int		 tmpl_load_dir(const char *dir, char *err, size_t errsz);
int		 tmpl_load_mem(const struct tmpl_src *, size_t n,
		    char *err, size_t errsz);
void		 tmpl_free(void);
const struct tmpl *tmpl_get(const char *name);
size_t		 tmpl_count(void);
const char	*tmpl_name(size_t);

int		 tmpl_render(struct buf *out, const char *name,
		    const struct tmpl_val *data, char *err, size_t errsz);
int		 tmpl_render_text(struct buf *out, const char *name,
		    const struct tmpl_val *data, char *err, size_t errsz);
int		 tmpl_check(const char *name, const struct tmpl_val *data,
		    char *err, size_t errsz);
void		 tmpl_html_escape(struct buf *, const char *, size_t);

struct tmpl_val	*tmpl_obj_new(struct arena *);
struct tmpl_val	*tmpl_list_new(struct arena *);
struct tmpl_val	*tmpl_str_new(struct arena *, const char *);
struct tmpl_val	*tmpl_html_new(struct arena *, const char *);
struct tmpl_val	*tmpl_int_new(struct arena *, int64_t);
struct tmpl_val	*tmpl_bool_new(struct arena *, bool);

void		 tmpl_set(struct tmpl_val *obj, const char *key,
		    struct tmpl_val *);
void		 tmpl_set_str(struct tmpl_val *obj, const char *key,
		    const char *);
void		 tmpl_set_html(struct tmpl_val *obj, const char *key,
		    const char *);
void		 tmpl_set_int(struct tmpl_val *obj, const char *key, int64_t);
void		 tmpl_set_bool(struct tmpl_val *obj, const char *key, bool);
struct tmpl_val	*tmpl_set_obj(struct tmpl_val *obj, const char *key);
struct tmpl_val	*tmpl_set_list(struct tmpl_val *obj, const char *key);
const struct tmpl_val *tmpl_get_val(const struct tmpl_val *obj,
		    const char *key);

void		 tmpl_list_add(struct tmpl_val *list, struct tmpl_val *);
void		 tmpl_list_add_str(struct tmpl_val *list, const char *);
struct tmpl_val	*tmpl_list_add_obj(struct tmpl_val *list);

#endif
