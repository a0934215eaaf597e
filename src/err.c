/*
 * err.c: the table mapping each error to its HTTP status, its stable code
 * (part of the API contract: never rename one) and a default message.
 */
#include "config.h"

#include "err.h"

struct errinfo {
	int		 status;
	const char	*code;
	const char	*message;
};

static const struct errinfo errs[ERR__MAX] = {
	{ 200, "OK", "OK" },						/* ERR_OK */
	{ 400, "VALIDATION_ERROR", "The request has invalid fields." },	/* ERR_VALIDATION */
	{ 400, "BAD_REQUEST", "The request could not be understood." },	/* ERR_BAD_REQUEST */
	{ 401, "UNAUTHORIZED", "Authentication is required." },		/* ERR_UNAUTHORIZED */
	{ 401, "MFA_REQUIRED", "A second-factor code is required." },	/* ERR_MFA_REQUIRED */
	{ 401, "INVALID_CREDENTIALS", "The email or password is wrong." }, /* ERR_INVALID_CREDENTIALS */
	{ 403, "FORBIDDEN", "You may not do this." },			/* ERR_FORBIDDEN */
	{ 403, "CSRF_TOKEN_INVALID", "The CSRF token is missing or wrong." }, /* ERR_CSRF */
	{ 404, "NOT_FOUND", "Not found." },				/* ERR_NOT_FOUND */
	{ 405, "METHOD_NOT_ALLOWED", "Method not allowed for this resource." }, /* ERR_METHOD_NOT_ALLOWED */
	{ 409, "CONFLICT", "The request conflicts with the current state." }, /* ERR_CONFLICT */
	{ 413, "PAYLOAD_TOO_LARGE", "The request body is too large." },	/* ERR_PAYLOAD_TOO_LARGE */
	{ 415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported content type." },	/* ERR_UNSUPPORTED_MEDIA_TYPE */
	{ 416, "RANGE_NOT_SATISFIABLE", "The requested range is outside the file." }, /* ERR_RANGE */
	{ 429, "RATE_LIMITED", "Too many requests." },			/* ERR_RATE_LIMITED */
	{ 500, "INTERNAL_ERROR", "Something went wrong on our side." },	/* ERR_INTERNAL */
	{ 503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable." }, /* ERR_UNAVAILABLE */
	{ 502, "PAYMENT_PROVIDER_ERROR", "The payment provider refused the request." }, /* ERR_BAD_GATEWAY */
};

int
err_status(enum err e)
{
	return errs[e < ERR__MAX ? e : ERR_INTERNAL].status;
}

const char *
err_code(enum err e)
{
	return errs[e < ERR__MAX ? e : ERR_INTERNAL].code;
}

const char *
err_message(enum err e)
{
	return errs[e < ERR__MAX ? e : ERR_INTERNAL].message;
}
