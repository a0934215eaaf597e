/*
 * password.c: password rules and scrypt. libscrypt_check() is given a copy of
 * the stored hash because it writes into its argument.
 */
#include "config.h"

#include <string.h>

#include <libscrypt.h>

#include "log.h"
#include "password.h"
#include "str.h"

#define PASSWORD_MAX_BYTES	1024

/*
 * Check pw against the policy; fills failed[] with one sentence per broken
 * rule and returns how many (0: acceptable).
 */
size_t
password_policy(const char *pw, const char *failed[PASSWORD_RULES_MAX])
{
	size_t	 n = 0, len = strlen(pw), i;
	bool	 upper = false, digit = false, special = false;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)pw[i];

		/*
		 * Without Unicode tables a non-ASCII character is taken for
		 * a letter (ñ, П), never for a special character.
		 */
		if (c >= 'A' && c <= 'Z')
			upper = true;
		else if (c >= '0' && c <= '9')
			digit = true;
		else if (c < 0x80 && !(c >= 'a' && c <= 'z'))
			special = true;
	}
	if (len > PASSWORD_MAX_BYTES || !str_utf8_valid(pw, len))
		failed[n++] = "Use at most 1024 bytes of valid UTF-8.";
	if (str_utf8_chars(pw, len) < 8)
		failed[n++] = "Use at least 8 characters.";
	if (!upper)
		failed[n++] = "Include an upper-case letter (A to Z).";
	if (!digit)
		failed[n++] = "Include a digit.";
	if (!special)
		failed[n++] = "Include a special character such as ! - # or a space.";
	return n;
}

/*
 * Hash pw with scrypt (libscrypt's default cost) into out as an MCF string.
 * Returns 0, or -1 if hashing failed.
 */
int
password_hash(const char *pw, char out[PASSWORD_HASH_MAX])
{
	char	 mcf[SCRYPT_MCF_LEN + 1];

	if (libscrypt_hash(mcf, pw, SCRYPT_N, SCRYPT_r, SCRYPT_p) == 0) {
		log_errx("libscrypt_hash failed");
		return -1;
	}
	if (strlen(mcf) >= PASSWORD_HASH_MAX)
		fatalx("scrypt MCF longer than expected");
	memcpy(out, mcf, strlen(mcf) + 1);
	return 0;
}

/*
 * True if pw matches the stored MCF hash.
 */
bool
password_verify(const char *mcf, const char *pw)
{
	char	 copy[PASSWORD_HASH_MAX];
	size_t	 n = strlen(mcf);

	if (n >= sizeof(copy))
		return false;
	memcpy(copy, mcf, n + 1);
	return libscrypt_check(copy, pw) > 0;
}
