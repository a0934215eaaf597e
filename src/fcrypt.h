/*
 * fcrypt.h: encryption at rest for stored product files: AES-256-GCM in
 * fixed-size chunks, so any byte range can be decrypted (and checked)
 * without reading the rest of the file. The format is below.
 */
/*
 * Format, version 1 (integers big-endian):
 *
 *   off  len  field
 *     0    4  magic "CLMF"
 *     4    1  version, 1
 *     5    1  algorithm, 1 = HKDF-SHA256 + AES-256-GCM + HMAC-SHA256
 *     6    1  n, length of the key id (1..32)
 *     7    1  reserved, 0
 *     8    4  chunk size C (256 .. 16 MiB)
 *    12    8  plaintext length P
 *    20   32  salt, random per file
 *    52    n  key id, [A-Za-z0-9._-] (names the master key in the key table)
 *  52+n   32  header MAC: HMAC-SHA256(mac key, bytes 0 .. 52+n)
 *  84+n       chunks: N = max(1, ceil(P / C)); chunk i is the ciphertext of
 *             plaintext bytes [i*C, min(P, (i+1)*C)) followed by its 16-byte
 *             GCM tag, so chunk i starts at 84 + n + i * (C + 16) and the
 *             file is exactly 84 + n + P + 16 * N bytes long.
 *
 * Keys: HKDF-SHA256(ikm = master key, salt = salt, info = "colmena fcrypt
 * v1") gives 64 bytes: the file's AES-256-GCM key, then its header MAC key.
 * Every file thus has its own key (the salt is 256 random bits), so the
 * chunk nonce can simply count: nonce_i = 0x00000000 || i as 64 bits. A
 * nonce is never used twice under one key: not within a file (i grows) and
 * not across files (that would take two equal 256-bit salts). The other
 * design, one key for all files and nonce = 64-bit random file id || 32-bit
 * chunk index, has nonces collide with probability ~F^2 / 2^65 over F
 * files, caps a file at 2^32 chunks, and puts every byte ever stored under
 * one GCM key; per-file keys have none of these limits.
 *
 * Integrity: the header MAC covers every header field, including the salt
 * (so the key derivation) and P (so the number and sizes of the chunks);
 * a wrong master key fails it too. The AAD of chunk i is i as 64 bits
 * followed by one byte, 1 on the last chunk and 0 otherwise, so chunks
 * cannot be reordered, dropped, duplicated or cut at a chunk boundary
 * unnoticed. An empty file still has one (empty) chunk, and the reader
 * checks the file's length against the header when it opens it.
 */
#ifndef COLMENA_FCRYPT_H
#define COLMENA_FCRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FCRYPT_KEY_LEN		32		/* AES-256 master key */
#define FCRYPT_KEYID_MAX	32		/* [A-Za-z0-9._-]{1,32} */
#define FCRYPT_KEYS_MAX		16
#define FCRYPT_TAG_LEN		16
#define FCRYPT_CHUNK_MIN	256
#define FCRYPT_CHUNK_MAX	(16 * 1024 * 1024)
#define FCRYPT_CHUNK_DEFAULT	(64 * 1024)
#define FCRYPT_HEADER_MAX	(52 + FCRYPT_KEYID_MAX + 32)
#define FCRYPT_ERR_MAX		256		/* enough for any message here */

struct fcrypt_key {
	char		 id[FCRYPT_KEYID_MAX + 1];
	unsigned char	 key[FCRYPT_KEY_LEN];
};

/* The key table: every key that may still be needed to decrypt, and the
 * one new files are encrypted with (current is -1 when there is none). */
struct fcrypt_keys {
	struct fcrypt_key	 keys[FCRYPT_KEYS_MAX];
	size_t			 nkeys;
	int			 current;
};

/* What was stored: the plaintext's size and SHA-256, the stored size. */
struct fcrypt_info {
	uint64_t	 size;
	unsigned char	 sha256[32];
	char		 sha256_hex[65];
	uint64_t	 stored_size;
	bool		 encrypted;
	char		 key_id[FCRYPT_KEYID_MAX + 1];	/* "" when plain */
};

struct fcrypt_reader;

/* Receives decrypted bytes; returns 0, or -1 to stop the read. */
typedef int	(*fcrypt_write_cb)(void *arg, const void *, size_t);

int	 fcrypt_keys_parse(struct fcrypt_keys *, const char *spec,
	    const char *current_id, char *err, size_t errsz);
int	 fcrypt_keys_conf(struct fcrypt_keys *, char *err, size_t errsz);
const struct fcrypt_key *fcrypt_keys_find(const struct fcrypt_keys *,
	    const char *id);
const struct fcrypt_key *fcrypt_keys_current(const struct fcrypt_keys *);
void	 fcrypt_keys_clear(struct fcrypt_keys *);
bool	 fcrypt_keyid_valid(const char *);

uint64_t fcrypt_stored_size(uint64_t plain, size_t chunk, size_t keyidlen);
int	 fcrypt_encrypt_fd(int in, int out, const struct fcrypt_key *,
	    size_t chunk, struct fcrypt_info *, char *err, size_t errsz);

struct fcrypt_reader *fcrypt_open(int fd, const struct fcrypt_keys *,
	    char *err, size_t errsz);
uint64_t fcrypt_plain_size(const struct fcrypt_reader *);
size_t	 fcrypt_chunk_size(const struct fcrypt_reader *);
const char *fcrypt_key_id(const struct fcrypt_reader *);
int	 fcrypt_read_range(struct fcrypt_reader *, uint64_t off, uint64_t len,
	    fcrypt_write_cb, void *arg);
const char *fcrypt_error(const struct fcrypt_reader *);
void	 fcrypt_close(struct fcrypt_reader *);

#endif
