/*
 * range.c: parse a Range header against a file's size: "bytes=a-b",
 * "bytes=a-" and "bytes=-n" (the last n bytes). Anything else, or more
 * than one range, means the whole file, as RFC 9110 allows.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "range.h"

/*
 * A run of decimal digits at *s, at most 18 (no overflow); advances *s.
 * Returns the value, or -1 when there is none or it is too long.
 */
static int64_t
range_number(const char **s)
{
	int64_t	 v = 0;
	int	 n = 0;

	while (**s >= '0' && **s <= '9') {
		if (++n > 18)
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	return n == 0 ? -1 : v;
}

/*
 * Which bytes of a file of size bytes does header ask for? Sets *start and
 * *end (inclusive) for RANGE_OK.
 */
enum range_result
range_parse(const char *header, int64_t size, int64_t *start, int64_t *end)
{
	const char	*s = header;
	int64_t		 a = -1, b = -1;

	if (s == NULL || strncmp(s, "bytes=", 6) != 0)
		return RANGE_NONE;
	s += 6;
	while (*s == ' ')
		s++;
	if (*s == '-') {
		s++;
		if ((b = range_number(&s)) < 0)
			return RANGE_NONE;
	} else {
		if ((a = range_number(&s)) < 0 || *s != '-')
			return RANGE_NONE;
		s++;
		if (*s >= '0' && *s <= '9' && (b = range_number(&s)) < 0)
			return RANGE_NONE;
	}
	while (*s == ' ')
		s++;
	if (*s != '\0')
		return RANGE_NONE;	/* several ranges, or junk */
	if (a < 0) {			/* the last b bytes */
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*start = b >= size ? 0 : size - b;
		*end = size - 1;
		return RANGE_OK;
	}
	if (b >= 0 && b < a)
		return RANGE_NONE;	/* invalid: ignored, per RFC 9110 */
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	*start = a;
	*end = b < 0 || b >= size ? size - 1 : b;
	return RANGE_OK;
}

/*
 * Does header continue a download: one byte range from an explicit first
 * byte past 0 ("bytes=1000-" or "bytes=1000-1999")? Suffix ranges
 * ("bytes=-500", which may cover the whole file), other units and
 * anything range_parse() would ignore are not resumes.
 */
bool
range_resumes(const char *header)
{
	int64_t	 start, end;

	/* A size beyond any start makes range_parse() judge the form only. */
	if (header == NULL || strncmp(header, "bytes=", 6) != 0 ||
	    strchr(header + 6, '-') == header + 6 + strspn(header + 6, " "))
		return false;
	return range_parse(header, INT64_MAX, &start, &end) == RANGE_OK &&
	    start > 0;
}
