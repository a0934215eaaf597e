/*
 * authcheck.c: a small command-line front to the JWT and TOTP code, so that
 * crosscheck.sh can compare them with independent implementations (npm jose
 * and otplib). Not a Check suite: the test runner does not run it alone.
 *
 *   authcheck jwt-sign KEY SUB STOREID ROLE PERMS_COMMA IAT EXP
 *   authcheck jwt-verify KEY TOKEN NOW
 *   authcheck totp-code BASE32SECRET UNIXTIME
 *   authcheck totp-verify BASE32SECRET CODE UNIXTIME
 *   authcheck totp-uri ISSUER ACCOUNT BASE32SECRET
 *
 * Exit 0 on success ("ok"), 1 on a refusal (the status name or "fail"
 * printed), 2 on a usage error.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "crypto.h"
#include "jwt.h"
#include "log.h"
#include "str.h"
#include "totp.h"

#define SECRET_MAX	128

static const char *const status_names[JWT__MAX] = {
	"JWT_OK",		/* JWT_OK */
	"JWT_MALFORMED",	/* JWT_MALFORMED */
	"JWT_BAD_ALG",		/* JWT_BAD_ALG */
	"JWT_BAD_SIGNATURE",	/* JWT_BAD_SIGNATURE */
	"JWT_EXPIRED",		/* JWT_EXPIRED */
	"JWT_NOT_YET_VALID",	/* JWT_NOT_YET_VALID */
	"JWT_BAD_CLAIMS",	/* JWT_BAD_CLAIMS */
};

static int	 usage(void);
static int	 number(const char *, const char *, int64_t *);
static int	 secret(const char *, unsigned char *, size_t *);
static int	 cmd_jwt_sign(struct arena *, char **);
static int	 cmd_jwt_verify(struct arena *, char **);
static int	 cmd_totp_code(char **);
static int	 cmd_totp_verify(char **);
static int	 cmd_totp_uri(struct arena *, char **);

static int
usage(void)
{
	fprintf(stderr, "usage: authcheck jwt-sign KEY SUB STOREID ROLE "
	    "PERMS_COMMA IAT EXP\n"
	    "       authcheck jwt-verify KEY TOKEN NOW\n"
	    "       authcheck totp-code BASE32SECRET UNIXTIME\n"
	    "       authcheck totp-verify BASE32SECRET CODE UNIXTIME\n"
	    "       authcheck totp-uri ISSUER ACCOUNT BASE32SECRET\n");
	return 2;
}

/* Parse a whole non-negative number s into *v; -1 with a message if not. */
static int
number(const char *what, const char *s, int64_t *v)
{
	const char	*errstr;

	*v = str_to_i64(s, 0, INT64_MAX, &errstr);
	if (errstr != NULL) {
		fprintf(stderr, "authcheck: %s %s\n", what, errstr);
		return -1;
	}
	return 0;
}

/* Decode a base32 TOTP secret; -1 with a message if it is not one. */
static int
secret(const char *s, unsigned char *key, size_t *len)
{
	if (crypto_base32_decode(key, SECRET_MAX, s, strlen(s), len) == -1 ||
	    *len == 0) {
		fprintf(stderr, "authcheck: bad base32 secret\n");
		return -1;
	}
	return 0;
}

static int
cmd_jwt_sign(struct arena *a, char **argv)
{
	struct jwt_key		 key;
	struct jwt_claims	 c;
	const char		*perms[JWT_PERMS_MAX];
	char			*list, *p, *comma, *tok;

	memset(&c, 0, sizeof(c));
	key.key = (const unsigned char *)argv[0];
	key.len = strlen(argv[0]);
	if (key.len == 0) {
		fprintf(stderr, "authcheck: empty key\n");
		return 2;
	}
	c.sub = argv[1];
	c.store_id = argv[2];
	c.role = argv[3];
	list = arena_strdup(a, argv[4]);
	for (p = list; *p != '\0'; p = comma + 1) {
		if (c.nperms == JWT_PERMS_MAX) {
			fprintf(stderr, "authcheck: too many permissions\n");
			return 2;
		}
		perms[c.nperms++] = p;
		if ((comma = strchr(p, ',')) == NULL)
			break;
		*comma = '\0';
	}
	c.perms = perms;
	if (number("IAT", argv[5], &c.iat) == -1 ||
	    number("EXP", argv[6], &c.exp) == -1)
		return 2;
	if ((tok = jwt_sign(a, &key, &c)) == NULL) {
		fprintf(stderr, "authcheck: claims too long\n");
		return 1;
	}
	printf("%s\n", tok);
	return 0;
}

static int
cmd_jwt_verify(struct arena *a, char **argv)
{
	struct jwt_key		 key;
	struct jwt_claims	 c;
	enum jwt_status		 st;
	int64_t			 now;
	size_t			 i;

	key.key = (const unsigned char *)argv[0];
	key.len = strlen(argv[0]);
	if (number("NOW", argv[2], &now) == -1)
		return 2;
	st = jwt_verify(a, argv[1], &key, 1, (time_t)now, &c);
	if (st != JWT_OK) {
		printf("%s\n", status_names[st]);
		return 1;
	}
	printf("ok\nsub=%s\nstoreId=%s\nrole=%s\npermissions=", c.sub,
	    c.store_id, c.role);
	for (i = 0; i < c.nperms; i++)
		printf("%s%s", i == 0 ? "" : ",", c.perms[i]);
	printf("\niat=%lld\nexp=%lld\n", (long long)c.iat, (long long)c.exp);
	return 0;
}

static int
cmd_totp_code(char **argv)
{
	unsigned char	 key[SECRET_MAX];
	size_t		 len;
	int64_t		 t;

	if (secret(argv[0], key, &len) == -1 ||
	    number("UNIXTIME", argv[1], &t) == -1)
		return 2;
	printf("%0*u\n", TOTP_DIGITS, (unsigned int)totp_hotp(key, len,
	    (uint64_t)t / TOTP_PERIOD, TOTP_DIGITS, "SHA1"));
	return 0;
}

static int
cmd_totp_verify(char **argv)
{
	unsigned char	 key[SECRET_MAX];
	size_t		 len;
	int64_t		 t, step;

	if (secret(argv[0], key, &len) == -1 ||
	    number("UNIXTIME", argv[2], &t) == -1)
		return 2;
	if (!totp_verify(key, len, argv[1], (time_t)t, -1, &step)) {
		printf("fail\n");
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int
cmd_totp_uri(struct arena *a, char **argv)
{
	printf("%s\n", totp_uri(a, argv[0], argv[1], argv[2]));
	return 0;
}

int
main(int argc, char *argv[])
{
	struct arena	*a;
	int		 rc;

	log_init("authcheck");
	if (argc < 2)
		return usage();
	a = arena_new();
	if (strcmp(argv[1], "jwt-sign") == 0 && argc == 9)
		rc = cmd_jwt_sign(a, argv + 2);
	else if (strcmp(argv[1], "jwt-verify") == 0 && argc == 5)
		rc = cmd_jwt_verify(a, argv + 2);
	else if (strcmp(argv[1], "totp-code") == 0 && argc == 4)
		rc = cmd_totp_code(argv + 2);
	else if (strcmp(argv[1], "totp-verify") == 0 && argc == 5)
		rc = cmd_totp_verify(argv + 2);
	else if (strcmp(argv[1], "totp-uri") == 0 && argc == 5)
		rc = cmd_totp_uri(a, argv + 2);
	else
		rc = usage();
	arena_free(a);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
