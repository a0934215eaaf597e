/*
 * range.h: HTTP Range requests (RFC 9110 section 14) for file downloads:
 * one byte range per answer, as download managers and browsers resuming a
 * download ask for; several ranges are answered with the whole file.
 */
#ifndef COLMENA_RANGE_H
#define COLMENA_RANGE_H

#include <stdbool.h>
#include <stdint.h>

enum range_result {
	RANGE_NONE,		/* no usable Range: send the whole file (200) */
	RANGE_OK,		/* [start, end] of the file (206) */
	RANGE_UNSATISFIABLE,	/* 416, Content-Range: bytes * / size */
};

enum range_result	 range_parse(const char *header, int64_t size,
			    int64_t *start, int64_t *end);
bool			 range_resumes(const char *header);

#endif
