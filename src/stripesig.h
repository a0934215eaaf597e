/*
 * stripesig.h: verification of Stripe's webhook signature header
 * ("Stripe-Signature: t=...,v1=...") against the raw request body, with
 * up to two secrets (current and previous during rotation).
 */
#ifndef COLMENA_STRIPESIG_H
#define COLMENA_STRIPESIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STRIPESIG_TOLERANCE	300	/* seconds either side of now */
#define STRIPESIG_HEADER_MAX	4096	/* longer headers are MALFORMED */
#define STRIPESIG_SECRETS_MAX	2	/* current and previous */

enum stripesig_status {
	STRIPESIG_OK,
	STRIPESIG_MISSING,	/* no header, or an empty one */
	STRIPESIG_MALFORMED,	/* too long, bad item, t absent/twice/bad */
	STRIPESIG_NO_V1,	/* no well-formed v1 entry */
	STRIPESIG_TOO_OLD,	/* signature right, t outside the tolerance */
	STRIPESIG_MISMATCH,	/* no v1 matches any secret */
	STRIPESIG__MAX
};

enum stripesig_status stripesig_verify(const char *header, const char *body,
	    size_t len, const char *const *secrets, size_t nsecrets,
	    time_t now, int64_t tolerance);
const char	*stripesig_message(enum stripesig_status);
const char	*stripesig_name(enum stripesig_status);

#endif
