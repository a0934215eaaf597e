/*
 * link.c: links buyers receive, derived from ids with token_secret so
 * they can be made again: HMAC-SHA256 over a purpose label and the id,
 * base64url without padding (43 characters). The labels keep a download
 * token from ever equalling an order key or an unsubscribe proof.
 */
#include "config.h"

#include <string.h>

#include "arena.h"
#include "conf.h"
#include "crypto.h"
#include "link.h"
#include "log.h"
#include "str.h"

static char	*link_mac(struct arena *, const char *label, const char *a,
		    const char *b);

/*
 * True when token_secret is set (at least LINK_SECRET_MIN characters).
 */
bool
link_configured(void)
{
	return strlen(conf_get(CONF_TOKEN_SECRET)) >= LINK_SECRET_MIN;
}

/* base64url(HMAC-SHA256(token_secret, label ":" a [":" b])), in the arena. */
static char *
link_mac(struct arena *ar, const char *label, const char *a, const char *b)
{
	const char	*key = conf_get(CONF_TOKEN_SECRET), *msg;
	unsigned char	 mac[CRYPTO_HMAC_MAX];
	size_t		 maclen;
	char		*out;

	msg = b == NULL ? arena_printf(ar, "%s:%s", label, a) :
	    arena_printf(ar, "%s:%s:%s", label, a, b);
	crypto_hmac("SHA256", key, strlen(key), msg, strlen(msg), mac, &maclen);
	out = arena_alloc(ar, CRYPTO_B64URL_SIZE(CRYPTO_SHA256_LEN));
	crypto_b64url_encode(out, CRYPTO_B64URL_SIZE(CRYPTO_SHA256_LEN), mac,
	    CRYPTO_SHA256_LEN);
	return out;
}

/*
 * A new download link: a random id for its download_tokens row and its
 * token (derived from the id, or random without token_secret). Both live
 * in the arena.
 */
void
link_download_new(struct arena *a, const char **id, const char **token)
{
	char	*u;

	u = arena_alloc(a, CRYPTO_UUID_SIZE);
	crypto_uuid_v4(u);
	*id = u;
	*token = link_configured() ? link_download_token(a, u) :
	    crypto_token(a, 32);
}

/*
 * n new download links as two space-separated lists, their ids and their
 * tokens in the same order (what SQL reads with string_to_array(x, ' ')).
 * Both live in the arena.
 */
void
link_download_batch(struct arena *a, size_t n, const char **ids,
    const char **tokens)
{
	const char	*id, *tok;
	char		*pi, *pt;
	size_t		 i;

	/* 36 + 1 and 43 + 1 bytes a link (random tokens are 43 too). */
	*ids = pi = arena_alloc(a, n * 37 + 1);
	*tokens = pt = arena_alloc(a, n * 44 + 1);
	*pi = *pt = '\0';
	for (i = 0; i < n; i++) {
		link_download_new(a, &id, &tok);
		if (i > 0) {
			*pi++ = ' ';
			*pt++ = ' ';
		}
		memcpy(pi, id, 36);
		pi += 36;
		memcpy(pt, tok, LINK_TOKEN_LEN);
		pt += LINK_TOKEN_LEN;
		*pi = *pt = '\0';
	}
}

/*
 * The token of download link id (a lower-case UUID), as link_download_new
 * made it. Needs token_secret. Result lives in the arena.
 */
char *
link_download_token(struct arena *a, const char *id)
{
	return link_mac(a, "colmena-download", id, NULL);
}

/*
 * The access key of an order's buyer page. Needs token_secret. Result
 * lives in the arena.
 */
char *
link_order_key(struct arena *a, const char *order_id)
{
	return link_mac(a, "colmena-order", order_id, NULL);
}

/*
 * Whether key is order_id's access key (constant time; scratch in the
 * arena). False without token_secret.
 */
bool
link_order_key_ok(struct arena *a, const char *order_id, const char *key)
{
	if (!link_configured() || key == NULL ||
	    strlen(key) != LINK_TOKEN_LEN)
		return false;
	return crypto_equal(link_order_key(a, order_id), key, LINK_TOKEN_LEN);
}

/*
 * The path of the one-click unsubscribe link of email at store_id:
 * "/unsubscribe/{store}/{sha256 of the lower-case address, hex}/{proof}".
 * Needs token_secret. Result lives in the arena.
 */
char *
link_unsubscribe(struct arena *a, const char *store_id, const char *email)
{
	char	*lower, *hash;
	size_t	 i, n = strlen(email);

	lower = arena_strndup(a, email, n);
	for (i = 0; i < n; i++)
		if (lower[i] >= 'A' && lower[i] <= 'Z')
			lower[i] = (char)(lower[i] - 'A' + 'a');
	hash = crypto_sha256_hex(a, lower, n);
	return arena_printf(a, "/unsubscribe/%s/%s/%s", store_id, hash,
	    link_mac(a, "colmena-unsubscribe", store_id, hash));
}

/*
 * Whether mac proves an unsubscribe link for store_id and email_hash
 * (constant time). False without token_secret.
 */
bool
link_unsubscribe_ok(struct arena *a, const char *store_id,
    const char *email_hash, const char *mac)
{
	if (!link_configured() || mac == NULL || strlen(mac) != LINK_TOKEN_LEN)
		return false;
	return crypto_equal(link_mac(a, "colmena-unsubscribe", store_id,
	    email_hash), mac, LINK_TOKEN_LEN);
}

/*
 * public_url (without trailing slashes) + path. Result lives in the arena.
 */
char *
link_url(struct arena *a, const char *path)
{
	const char	*base = conf_get(CONF_PUBLIC_URL);
	size_t		 n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return arena_printf(a, "%.*s%s", (int)n, base, path);
}

/*
 * The hex SHA-256 of a token or key, as the database keeps it. Result
 * lives in the arena.
 */
char *
link_hash_hex(struct arena *a, const char *token)
{
	return crypto_sha256_hex(a, token, strlen(token));
}
