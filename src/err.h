/*
 * err.h: the one error enum of the system. Domain functions return it; the
 * request layer turns it into an HTTP status and a stable code string.
 */
#ifndef COLMENA_ERR_H
#define COLMENA_ERR_H

enum err {
	ERR_OK,
	ERR_VALIDATION,
	ERR_BAD_REQUEST,
	ERR_UNAUTHORIZED,
	ERR_MFA_REQUIRED,
	ERR_INVALID_CREDENTIALS,
	ERR_FORBIDDEN,
	ERR_CSRF,
	ERR_NOT_FOUND,
	ERR_METHOD_NOT_ALLOWED,
	ERR_CONFLICT,
	ERR_PAYLOAD_TOO_LARGE,
	ERR_UNSUPPORTED_MEDIA_TYPE,
	ERR_RANGE,
	ERR_RATE_LIMITED,
	ERR_INTERNAL,
	ERR_UNAVAILABLE,
	ERR_BAD_GATEWAY,
	ERR__MAX
};

int		 err_status(enum err);
const char	*err_code(enum err);
const char	*err_message(enum err);

#endif
