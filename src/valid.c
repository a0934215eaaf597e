/*
 * valid.c: the field checks behind valid.h. Messages are short phrases that
 * read after the field name ("limit" "must be between 1 and 100").
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "arena.h"
#include "log.h"
#include "req.h"
#include "str.h"
#include "valid.h"

#define JSON_DEPTH_MAX	16
#define LIST_ITEM_MAX	255	/* characters in one FIELD_LIST item */

static int	 valid_list(const struct field *, struct json_object *,
		    struct fval *, struct arena *, const char **);
static int	 valid_objects(const struct field *, struct json_object *,
		    struct fval *, struct arena *, const char **);
static void	 put_json(void *);
static bool	 valid_digits(const char *, size_t, int *);
static bool	 valid_date(const char *, size_t);

/*
 * Record that field failed with msg (both must outlive the form: string
 * literals or arena memory). Errors past FORM_MAX are dropped.
 */
void
valid_error(struct form *f, const char *field, const char *msg)
{
	size_t	 i;

	for (i = 0; i < f->nerrs; i++)
		if (strcmp(f->errs[i].field, field) == 0)
			return;		/* first error per field wins */
	if (f->nerrs < FORM_MAX) {
		f->errs[f->nerrs].field = field;
		f->errs[f->nerrs].msg = msg;
		f->nerrs++;
	}
}

/*
 * A pragmatic address check: one '@', a local part of printable ASCII
 * without spaces or quotes, a domain of labels with at least one dot.
 */
bool
valid_email(const char *s, size_t n)
{
	const char	*at;
	size_t		 i, local, label = 0;
	bool		 dot = false;

	if (n < 3 || n > 254 || (at = memchr(s, '@', n)) == NULL)
		return false;
	local = (size_t)(at - s);
	if (local == 0 || local > 64 || memchr(at + 1, '@', n - local - 1))
		return false;
	for (i = 0; i < local; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || strchr("\"(),:;<>[\\]", s[i]))
			return false;
	for (i = local + 1; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return false;
			dot = true;
			label = 0;
		} else if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    (unsigned char)s[i] >= 0x80) {
			if (++label > 63)
				return false;
		} else
			return false;
	}
	return dot && label > 0;
}

/* n decimal digits at s, into *v; false if any is not a digit. */
static bool
valid_digits(const char *s, size_t n, int *v)
{
	size_t	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/*
 * A date (YYYY-MM-DD) or a UTC or offset timestamp in RFC 3339 form
 * (YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|+HH:MM|-HH:MM)), years 1970-9999,
 * every part in range (2026-02-30 is not a date).
 */
static bool
valid_date(const char *s, size_t n)
{
	struct tm	 tm, back;
	time_t		 t;
	int		 y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	size_t		 i = 16;

	if (n < 10 || !valid_digits(s, 4, &y) || s[4] != '-' ||
	    !valid_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !valid_digits(s + 8, 2, &d) || y < 1970)
		return false;
	if (n > 10) {
		if ((s[10] != 'T' && s[10] != 't') || n < 17 ||
		    !valid_digits(s + 11, 2, &h) || s[13] != ':' ||
		    !valid_digits(s + 14, 2, &mi) || h > 23 || mi > 59)
			return false;
		if (s[i] == ':') {
			if (n < i + 3 || !valid_digits(s + i + 1, 2, &sec) ||
			    sec > 59)
				return false;
			i += 3;
			if (i < n && s[i] == '.') {
				for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
					continue;
				if (s[i - 1] == '.')
					return false;
			}
		}
		if (i == n - 1 && (s[i] == 'Z' || s[i] == 'z'))
			;
		else if (i + 6 == n && (s[i] == '+' || s[i] == '-') &&
		    valid_digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
		    valid_digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59)
			;
		else
			return false;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (mo < 1 || mo > 12 || d < 1 || (t = timegm(&tm)) == (time_t)-1 ||
	    gmtime_r(&t, &back) == NULL)
		return false;
	return back.tm_mday == d && back.tm_mon == mo - 1;
}

/*
 * Check s[0..n) against one field and fill v. Returns 0, or -1 with a
 * phrase in *errstr.
 */
int
valid_value(const struct field *fd, const char *s, size_t n, struct fval *v,
    const char **errstr)
{
	size_t		 chars, i;
	const char	*e;
	static char	 none[] = "";

	memset(v, 0, sizeof(*v));
	v->s = s == NULL ? none : s;
	v->len = n;
	if (memchr(s, '\0', n) != NULL) {
		*errstr = "must not contain NUL bytes";
		return -1;
	}
	if (!str_utf8_valid(s, n)) {
		*errstr = "must be valid UTF-8";
		return -1;
	}
	switch (fd->type) {
	case FIELD_TEXT:
		chars = str_utf8_chars(s, n);
		if ((int64_t)chars < fd->min) {
			*errstr = fd->min == 1 ? "must not be empty" : "is too short";
			return -1;
		}
		if ((int64_t)chars > fd->max) {
			snprintf(v->msg, sizeof(v->msg), "must be at most %lld "
			    "characters", (long long)fd->max);
			*errstr = v->msg;
			return -1;
		}
		break;
	case FIELD_INT:
		v->i = str_to_i64(s, fd->min, fd->max, &e);
		if (e != NULL) {
			snprintf(v->msg, sizeof(v->msg), "must be a whole number "
			    "from %lld to %lld", (long long)fd->min,
			    (long long)fd->max);
			*errstr = v->msg;
			return -1;
		}
		break;
	case FIELD_BOOL:
		if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
			v->b = true;
		else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
			v->b = false;
		else {
			*errstr = "must be true or false";
			return -1;
		}
		break;
	case FIELD_ENUM:
		for (i = 0; fd->choices[i] != NULL; i++)
			if (strcmp(s, fd->choices[i]) == 0)
				break;
		if (fd->choices[i] == NULL) {
			*errstr = "is not one of the allowed values";
			return -1;
		}
		v->i = (int64_t)i;
		break;
	case FIELD_UUID:
		if (!str_is_uuid(s)) {
			*errstr = "must be a UUID";
			return -1;
		}
		break;
	case FIELD_SLUG:
		if (!str_is_slug(s, (size_t)fd->max)) {
			*errstr = "must be a slug: lowercase letters, digits and dashes";
			return -1;
		}
		break;
	case FIELD_IDENT:
		if (str_is_uuid(s))
			v->is_uuid = true;
		else if (!str_is_slug(s, (size_t)fd->max)) {
			*errstr = "must be an id or a slug";
			return -1;
		}
		break;
	case FIELD_DECIMAL:
		if (str_money_parse(s, 3, fd->max, &v->i, &e) == -1) {
			*errstr = e;
			return -1;
		}
		break;
	case FIELD_MONEY:
		if (str_money_parse(s, 2, 99999999, &v->i, &e) == -1) {
			*errstr = strcmp(e, "is too large") == 0 ?
			    "must be at most 999999.99" : e;
			return -1;
		}
		if (v->i <= 0) {
			*errstr = "must be greater than 0";
			return -1;
		}
		break;
	case FIELD_DATE:
		if (!valid_date(s, n)) {
			*errstr = "must be a date (2026-12-04) or a timestamp "
			    "(2026-12-04T10:00:00Z)";
			return -1;
		}
		break;
	case FIELD_EMAIL:
		if (!valid_email(s, n)) {
			*errstr = "must be an email address";
			return -1;
		}
		break;
	case FIELD_LIST:
		/* A list only comes as a JSON array (valid_list). */
		*errstr = "must be an array of strings";
		return -1;
	case FIELD_OBJECT:
	case FIELD_OBJECTS:
		/* Only in a JSON body (valid_obj). */
		*errstr = fd->type == FIELD_OBJECT ? "must be an object" :
		    "must be an array of objects";
		return -1;
	default:
		fatalx("unknown field type %d", fd->type);
	}
	v->set = true;
	return 0;
}

/*
 * Validate query parameters q[0..nq) against fields[0..n). Unknown
 * parameters are ignored (cache busters, analytics tags); a known one given
 * twice is an error. Returns 0, or -1 with f->errs filled.
 */
int
valid_query(struct form *f, const struct field *fields, size_t n,
    const struct kv *q, size_t nq)
{
	size_t		 i, j;
	const char	*e;

	if (n > FORM_MAX)
		fatalx("form too large");
	memset(f, 0, sizeof(*f));
	for (i = 0; i < n; i++) {
		for (j = 0; j < nq; j++) {
			if (strcmp(q[j].key, fields[i].name) != 0)
				continue;
			if (f->v[i].set) {
				valid_error(f, fields[i].name, "is given more than once");
				break;
			}
			if (valid_value(&fields[i], q[j].val, q[j].len,
			    &f->v[i], &e) == -1) {
				valid_error(f, fields[i].name, e);
				break;
			}
		}
		if (!f->v[i].set && fields[i].required)
			valid_error(f, fields[i].name, "is required");
	}
	return f->nerrs == 0 ? 0 : -1;
}

/*
 * Check a JSON array against a FIELD_LIST: fd->min..fd->max items, each a
 * string of 1..LIST_ITEM_MAX characters of UTF-8 without NUL bytes. Fills
 * v->list (copies in arena a, NULL-terminated) and v->nlist (also in
 * v->i). Returns 0, or -1 with a phrase in *errstr naming the first bad
 * item, counted from 1.
 */
static int
valid_list(const struct field *fd, struct json_object *arr, struct fval *v,
    struct arena *a, const char **errstr)
{
	struct json_object	*it;
	const char		*s, *why;
	size_t			 i, n, len, chars;

	memset(v, 0, sizeof(*v));
	n = json_object_array_length(arr);
	if ((int64_t)n < fd->min || (int64_t)n > fd->max) {
		if (fd->min == fd->max)
			snprintf(v->msg, sizeof(v->msg), "must have exactly "
			    "%lld items", (long long)fd->min);
		else
			snprintf(v->msg, sizeof(v->msg), "must have from %lld "
			    "to %lld items", (long long)fd->min,
			    (long long)fd->max);
		*errstr = v->msg;
		return -1;
	}
	v->list = arena_calloc(a, n + 1, sizeof(*v->list));
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(arr, i);
		why = NULL;
		if (!json_object_is_type(it, json_type_string))
			why = "must be a string";
		else {
			s = json_object_get_string(it);
			len = (size_t)json_object_get_string_len(it);
			if (memchr(s, '\0', len) != NULL)
				why = "must not contain NUL bytes";
			else if (!str_utf8_valid(s, len))
				why = "must be valid UTF-8";
			else if ((chars = str_utf8_chars(s, len)) == 0)
				why = "must not be empty";
			else if (chars > LIST_ITEM_MAX)
				why = "must be at most 255 characters";
			else
				v->list[i] = arena_strndup(a, s, len);
		}
		if (why != NULL) {
			snprintf(v->msg, sizeof(v->msg), "item %zu %s", i + 1, why);
			*errstr = v->msg;
			v->list = NULL;
			return -1;
		}
	}
	v->s = "";
	v->nlist = n;
	v->i = (int64_t)n;
	v->set = true;
	return 0;
}

/*
 * Check a JSON array against a FIELD_OBJECTS: fd->min..fd->max items, each
 * an object. Fills v->list with each item's JSON text (for
 * valid_json_sub) and v->nlist. Returns 0, or -1 with *errstr.
 */
static int
valid_objects(const struct field *fd, struct json_object *arr,
    struct fval *v, struct arena *a, const char **errstr)
{
	struct json_object	*it;
	size_t			 i, n;

	memset(v, 0, sizeof(*v));
	n = json_object_array_length(arr);
	if ((int64_t)n < fd->min || (int64_t)n > fd->max) {
		snprintf(v->msg, sizeof(v->msg), "must have from %lld to %lld "
		    "items", (long long)fd->min, (long long)fd->max);
		*errstr = v->msg;
		return -1;
	}
	v->list = arena_calloc(a, n + 1, sizeof(*v->list));
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(it, json_type_object)) {
			snprintf(v->msg, sizeof(v->msg), "item %zu must be an "
			    "object", i + 1);
			*errstr = v->msg;
			v->list = NULL;
			return -1;
		}
		v->list[i] = arena_strdup(a, json_object_to_json_string_ext(it,
		    JSON_C_TO_STRING_PLAIN));
	}
	v->s = "";
	v->nlist = n;
	v->i = (int64_t)n;
	v->set = true;
	return 0;
}

static void
put_json(void *p)
{
	json_object_put(p);
}

/*
 * Check the members of JSON object obj against fields[0..n) into f; errors
 * are recorded in top (which may be f), named prefix.field when prefix is
 * set. Returns 0, or -1.
 */
static int
valid_obj(struct form *top, const char *prefix, struct form *f,
    const struct field *fields, size_t n, struct json_object *obj,
    struct arena *a)
{
	struct json_object	*val;
	struct json_object_iterator it, end;
	const char		*key, *s, *e, *name;
	enum json_type		 t;
	size_t			 i, slen;
	bool			 bad = false;

#define FNAME(x)	(prefix == NULL ? (x) : arena_printf(a, "%s.%s", prefix, (x)))
/* The form may be full (FORM_MAX errors): failing is counted here. */
#define FAIL(n, m)	do { valid_error(top, (n), (m)); bad = true; } while (0)
/* A message in f->v[].msg: top may outlive f (valid_json_sub). */
#define MSG(m)		(top != f ? arena_strdup(a, (m)) : (m))
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		key = json_object_iter_peek_name(&it);
		val = json_object_iter_peek_value(&it);
		for (i = 0; i < n; i++)
			if (strcmp(key, fields[i].name) == 0)
				break;
		if (i == n) {
			FAIL(FNAME(arena_strdup(a, key)),
			    "is not a known field");
			continue;
		}
		name = FNAME(fields[i].name);
		t = json_object_get_type(val);
		if (t == json_type_null) {
			if (fields[i].required)
				FAIL(name, "must not be null");
			else
				f->v[i].null = true;
			continue;
		}
		switch (fields[i].type) {
		case FIELD_LIST:
			if (t != json_type_array)
				FAIL(name,
				    "must be an array of strings");
			else if (valid_list(&fields[i], val, &f->v[i], a,
			    &e) == -1)
				FAIL(name, MSG(e));
			continue;
		case FIELD_OBJECT:
			if (t != json_type_object) {
				FAIL(name, "must be an object");
				continue;
			}
			f->v[i].s = arena_strdup(a, json_object_to_json_string_ext(
			    val, JSON_C_TO_STRING_PLAIN));
			f->v[i].len = strlen(f->v[i].s);
			f->v[i].set = true;
			continue;
		case FIELD_OBJECTS:
			if (t != json_type_array)
				FAIL(name,
				    "must be an array of objects");
			else if (valid_objects(&fields[i], val, &f->v[i], a,
			    &e) == -1)
				FAIL(name, MSG(e));
			continue;
		case FIELD_INT:
		case FIELD_DECIMAL:
		case FIELD_MONEY:
			if (t != json_type_int && t != json_type_double) {
				FAIL(name, "must be a number");
				continue;
			}
			/* json-c keeps the number's text as written. */
			s = json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN);
			break;
		case FIELD_BOOL:
			if (t != json_type_boolean) {
				FAIL(name, "must be true or false");
				continue;
			}
			s = json_object_get_boolean(val) ? "true" : "false";
			break;
		default:
			if (t != json_type_string) {
				FAIL(name, "must be a string");
				continue;
			}
			s = json_object_get_string(val);
			break;
		}
		slen = t == json_type_string ?
		    (size_t)json_object_get_string_len(val) : strlen(s);
		if (valid_value(&fields[i], arena_strndup(a, s, slen), slen,
		    &f->v[i], &e) == -1)
			FAIL(name, MSG(e));
	}
	for (i = 0; i < n; i++)
		if (!f->v[i].set && !f->v[i].null && fields[i].required)
			FAIL(FNAME(fields[i].name), "is required");
#undef MSG
#undef FAIL
#undef FNAME
	return bad ? -1 : 0;
}

/*
 * Parse body[0..len) as one JSON value (strict, depth-limited, UTF-8) into
 * *root, owned by the arena. Returns 0, or -1 with an error for "body" (or
 * name) recorded in f.
 */
static int
valid_parse(struct form *f, const char *name, const char *body, size_t len,
    struct arena *a, struct json_object **root)
{
	struct json_tokener	*tok;
	enum json_tokener_error	 jerr;
	const char		*msg;
	size_t			 parsed;
	char			*copy;

	*root = NULL;
	if (len > INT32_MAX || !str_utf8_valid(body, len)) {
		valid_error(f, name, "must be valid UTF-8 JSON");
		return -1;
	}
	if ((tok = json_tokener_new_ex(JSON_DEPTH_MAX)) == NULL)
		fatalx("json_tokener_new_ex");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/*
	 * Parse with the terminating NUL, which tells json-c the input ends
	 * (else a trailing number or "null" stays "incomplete").
	 */
	copy = arena_strndup(a, body, len);
	*root = json_tokener_parse_ex(tok, copy, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	parsed = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success || parsed < len) {
		if (*root != NULL)
			json_object_put(*root);
		*root = NULL;
		if (len == 0 || jerr == json_tokener_continue)
			msg = "is not valid JSON (it ends too early)";
		else
			msg = arena_printf(a, "is not valid JSON (%s)",
			    json_tokener_error_desc(jerr));
		valid_error(f, name, msg);
		return -1;
	}
	if (*root != NULL)
		arena_defer(a, put_json, *root);
	if (*root == NULL || !json_object_is_type(*root, json_type_object)) {
		valid_error(f, name, "must be a JSON object");
		return -1;
	}
	return 0;
}

/*
 * Validate a JSON object body against fields. Numbers are checked from
 * their source text (json-c keeps it), so 12.999 is not rounded into a
 * price. Unknown keys, wrong types and malformed JSON are errors; null for
 * an optional field leaves it unset with v.null true (a PATCH clearing
 * it). FIELD_OBJECT and FIELD_OBJECTS values are kept as JSON text for
 * valid_json_sub(). The parsed tree is released with the arena. Returns
 * 0, or -1.
 */
int
valid_json(struct form *f, const struct field *fields, size_t n,
    const char *body, size_t len, struct arena *a)
{
	struct json_object	*root;

	if (n > FORM_MAX)
		fatalx("form too large");
	memset(f, 0, sizeof(*f));
	if (valid_parse(f, "body", body, len, a, &root) == -1)
		return -1;
	return valid_obj(f, NULL, f, fields, n, root, a);
}

/*
 * Validate json, the text of a FIELD_OBJECT value or of one item of a
 * FIELD_OBJECTS value, against fields into sub. Errors go to top, named
 * name.field ("customer.email", "items[0].quantity"), so one
 * VALIDATION_ERROR names them all; their texts are in the arena, so sub
 * may be reused or go out of scope before top is answered. Returns 0, or
 * -1.
 */
int
valid_json_sub(struct form *top, const char *name, struct form *sub,
    const struct field *fields, size_t n, const char *json,
    struct arena *a)
{
	struct json_object	*root;

	if (n > FORM_MAX)
		fatalx("form too large");
	memset(sub, 0, sizeof(*sub));
	if (valid_parse(top, name, json, strlen(json), a, &root) == -1)
		return -1;
	return valid_obj(top, name, sub, fields, n, root, a);
}
