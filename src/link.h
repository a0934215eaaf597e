/*
 * link.h: the secrets in buyers' links, made from ids with token_secret
 * (HMAC-SHA256, base64url): a download link's token from the token's id,
 * an order's access key from the order's id, an unsubscribe link's proof
 * from the store and the address's hash. The database keeps only SHA-256
 * of tokens and keys, yet an order page or a re-sent receipt can show the
 * links again. Without token_secret, download tokens are random (and
 * cannot be shown again); order keys and unsubscribe links need it.
 */
#ifndef COLMENA_LINK_H
#define COLMENA_LINK_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

#define LINK_TOKEN_LEN	43	/* base64url of 256 bits */
#define LINK_SECRET_MIN	32	/* characters of token_secret */

bool	 link_configured(void);
void	 link_download_new(struct arena *, const char **id,
	    const char **token);
void	 link_download_batch(struct arena *, size_t n, const char **ids,
	    const char **tokens);
char	*link_download_token(struct arena *, const char *id);
char	*link_order_key(struct arena *, const char *order_id);
bool	 link_order_key_ok(struct arena *, const char *order_id,
	    const char *key);
char	*link_unsubscribe(struct arena *, const char *store_id,
	    const char *email);
bool	 link_unsubscribe_ok(struct arena *, const char *store_id,
	    const char *email_hash, const char *mac);
char	*link_url(struct arena *, const char *path);
char	*link_hash_hex(struct arena *, const char *token);

#endif
