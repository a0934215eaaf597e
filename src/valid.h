/*
 * valid.h: input validation driven by tables of fields (kcgi's kvalid as
 * data). Query strings and JSON bodies are checked against the same field
 * types; every failure is recorded per field for the VALIDATION_ERROR
 * envelope's details, and handlers only ever see typed, checked values.
 */
#ifndef COLMENA_VALID_H
#define COLMENA_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct kv;

enum field_type {
	FIELD_TEXT,	/* UTF-8 text, min..max characters */
	FIELD_INT,	/* whole number in min..max */
	FIELD_BOOL,	/* true/false (query: "true", "false", "1", "0") */
	FIELD_ENUM,	/* one of choices[] */
	FIELD_UUID,	/* canonical UUID */
	FIELD_SLUG,	/* [a-z0-9-], 1..max */
	FIELD_IDENT,	/* a UUID or a slug */
	FIELD_DECIMAL,	/* non-negative decimal, at most 3 places, <= max */
	FIELD_MONEY,	/* price in major units: > 0, <= 999999.99, 2 places */
	FIELD_EMAIL,	/* an email address, <= 254 characters */
	FIELD_DATE,	/* YYYY-MM-DD or an RFC 3339 timestamp */
	FIELD_LIST,	/* JSON array of min..max strings, each 1..255 chars */
	FIELD_OBJECT,	/* JSON object: its text, for valid_json_sub() */
	FIELD_OBJECTS,	/* JSON array of min..max objects: each one's text */
	FIELD__MAX
};

struct field {
	const char		*name;
	enum field_type		 type;
	bool			 required;
	int64_t			 min, max;	/* characters, value or places */
	const char *const	*choices;	/* FIELD_ENUM: NULL-terminated */
};

struct fval {
	bool		 set;
	const char	*s;	/* the text as given (decoded, NUL-free) */
	size_t		 len;
	int64_t		 i;	/* INT value, ENUM index, MONEY minor units */
	bool		 b;
	bool		 is_uuid;	/* IDENT: which form it took */
	bool		 null;		/* JSON null for an optional field */
	const char	**list;		/* LIST: the items, in the arena */
	size_t		 nlist;
	char		 msg[96];	/* room for an error naming limits */
};

#define FORM_MAX	32

struct ferr {
	const char	*field;
	const char	*msg;
};

struct form {
	struct fval	 v[FORM_MAX];
	struct ferr	 errs[FORM_MAX];
	size_t		 nerrs;
};

void	 valid_error(struct form *, const char *field, const char *msg);
int	 valid_value(const struct field *, const char *, size_t,
	    struct fval *, const char **errstr);
int	 valid_query(struct form *, const struct field *, size_t,
	    const struct kv *, size_t);
int	 valid_json(struct form *, const struct field *, size_t,
	    const char *body, size_t len, struct arena *);
int	 valid_json_sub(struct form *top, const char *name, struct form *,
	    const struct field *, size_t, const char *json, struct arena *);
bool	 valid_email(const char *, size_t);

#endif
