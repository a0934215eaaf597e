/*
 * str.h: string checks and conversions shared by parsers and validators:
 * strict integer parsing (OpenBSD strtonum), UTF-8 validation, UUID and slug
 * syntax, percent-decoding, money in major units <-> integer minor units.
 */
#ifndef COLMENA_STR_H
#define COLMENA_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

int64_t	 str_to_i64(const char *, int64_t min, int64_t max, const char **errstr);
bool	 str_utf8_valid(const char *, size_t);
size_t	 str_utf8_chars(const char *, size_t);
bool	 str_is_uuid(const char *);
bool	 str_is_slug(const char *, size_t max);
size_t	 str_pct_decode(char *, size_t, bool plus_is_space);
bool	 str_case_eq(const char *, const char *);
int	 str_money_parse(const char *, int exponent, int64_t max_minor,
	    int64_t *minor, const char **errstr);
void	 str_money_format(struct buf *, int64_t minor, int exponent);
void	 str_hex(char *out, const unsigned char *, size_t);

#endif
