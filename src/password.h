/*
 * password.h: staff password policy (the original spec's: 8+ characters
 * with upper case, digit and special character) and scrypt hashing through
 * libscrypt, stored as the full MCF string.
 */
#ifndef COLMENA_PASSWORD_H
#define COLMENA_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_RULES_MAX	5
#define PASSWORD_HASH_MAX	160

size_t	 password_policy(const char *, const char *failed[PASSWORD_RULES_MAX]);
int	 password_hash(const char *, char out[PASSWORD_HASH_MAX]);
bool	 password_verify(const char *mcf, const char *);

#endif
