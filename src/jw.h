/*
 * jw.h: streaming JSON writer into a struct buf (kcgi's kjson). Keys are
 * passed with each value; NULL key inside arrays or at the top. Strings are
 * escaped, including < > & and U+2028/2029, so output is safe in <script>.
 */
#ifndef COLMENA_JW_H
#define COLMENA_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

#define JW_DEPTH	32

struct jw {
	struct buf	*b;
	int		 depth;
	bool		 started[JW_DEPTH];	/* a value was written at this depth */
};

void	 jw_init(struct jw *, struct buf *);
void	 jw_obj_open(struct jw *, const char *key);
void	 jw_obj_close(struct jw *);
void	 jw_arr_open(struct jw *, const char *key);
void	 jw_arr_close(struct jw *);
void	 jw_str(struct jw *, const char *key, const char *val);	/* NULL: null */
void	 jw_strn(struct jw *, const char *key, const char *val, size_t);
void	 jw_int(struct jw *, const char *key, int64_t);
void	 jw_bool(struct jw *, const char *key, bool);
void	 jw_null(struct jw *, const char *key);
void	 jw_money(struct jw *, const char *key, int64_t minor, int exponent);
void	 jw_time(struct jw *, const char *key, int64_t unix_time);
void	 jw_raw(struct jw *, const char *key, const char *json);
void	 jw_escape(struct buf *, const char *, size_t);

#endif
