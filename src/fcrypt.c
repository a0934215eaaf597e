/*
 * fcrypt.c: the encrypted file format of fcrypt.h (described there), written
 * as a stream and read back by byte range, one chunk at a time, with
 * OpenSSL 3's EVP interfaces (HKDF, AES-256-GCM) and HMAC-SHA256.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "conf.h"
#include "crypto.h"
#include "fcrypt.h"
#include "log.h"
#include "str.h"

#define FC_MAGIC	"CLMF"
#define FC_VERSION	1
#define FC_ALG		1
#define FC_FIXED	52		/* header bytes before the key id */
#define FC_SALT_LEN	32
#define FC_MAC_LEN	32
#define FC_NONCE_LEN	12
#define FC_AAD_LEN	9
#define FC_INFO		"colmena fcrypt v1"
/* P is kept well below 2^63 so that offsets computed from it never wrap. */
#define FC_PLAIN_MAX	(UINT64_C(1) << 56)

struct fc_header {
	size_t		 chunk;
	uint64_t	 plain;
	unsigned char	 salt[FC_SALT_LEN];
	char		 keyid[FCRYPT_KEYID_MAX + 1];
	size_t		 keyidlen;
	size_t		 len;		/* of the whole header, MAC included */
};

struct fcrypt_reader {
	int			 fd;		/* the caller's */
	struct fc_header	 h;
	uint64_t		 nchunks;
	EVP_CIPHER_CTX		*ctx;
	unsigned char		*in;		/* one chunk and its tag */
	unsigned char		*out;		/* one chunk of plaintext */
	char			 err[FCRYPT_ERR_MAX];
};

static int	 fc_hexval(char);
static int	 fc_derive(const unsigned char *master,
		    const unsigned char *salt, unsigned char *enc,
		    unsigned char *mac);
static size_t	 fc_header_encode(unsigned char *, const struct fc_header *);
static void	 fc_header_mac(const unsigned char *mackey,
		    const unsigned char *, size_t, unsigned char *);
static void	 fc_nonce_aad(uint64_t, bool, unsigned char *, unsigned char *);
static EVP_CIPHER_CTX *fc_ctx(const unsigned char *key, bool enc);
static int	 fc_seal(EVP_CIPHER_CTX *, uint64_t, bool,
		    const unsigned char *, size_t, unsigned char *);
static int	 fc_open_chunk(EVP_CIPHER_CTX *, uint64_t, bool,
		    const unsigned char *, size_t, unsigned char *);
static ssize_t	 fc_read_full(int, void *, size_t);
static int	 fc_pwrite_full(int, const void *, size_t, uint64_t);
static ssize_t	 fc_pread_full(int, void *, size_t, uint64_t);
static void	 fc_put64(unsigned char *, uint64_t);
static uint64_t	 fc_get64(const unsigned char *);
static void	 fc_put32(unsigned char *, uint32_t);
static uint32_t	 fc_get32(const unsigned char *);

static void
fc_put64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t
fc_get64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

static void
fc_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
fc_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int
fc_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * True if s can name a key: 1 to FCRYPT_KEYID_MAX of [A-Za-z0-9._-].
 */
bool
fcrypt_keyid_valid(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= FCRYPT_KEYID_MAX)
			return false;
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	}
	return i > 0;
}

/*
 * Fill the key table from spec, "id:64hex,id:64hex" (blanks around entries
 * are ignored; an empty spec is an empty table), and make current_id the
 * key new files are encrypted with (NULL or "" for none). Returns 0, or -1
 * with a sentence in err (never key material) and the table cleared.
 */
int
fcrypt_keys_parse(struct fcrypt_keys *t, const char *spec,
    const char *current_id, char *err, size_t errsz)
{
	const char	*p, *comma, *s, *e, *colon, *hex;
	char		 id[FCRYPT_KEYID_MAX + 1];
	size_t		 idlen, hexlen, n, i;
	int		 hi, lo;

	memset(t, 0, sizeof(*t));
	t->current = -1;
	p = spec == NULL ? "" : spec;
	while (*p == ' ' || *p == '\t')
		p++;
	for (n = 1; *p != '\0'; n++) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		for (s = p; s < comma && (*s == ' ' || *s == '\t'); s++)
			continue;
		for (e = comma; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			continue;
		if (e == s) {
			snprintf(err, errsz, "storage_keys: entry %zu is "
			    "empty", n);
			goto fail;
		}
		if ((colon = memchr(s, ':', (size_t)(e - s))) == NULL) {
			snprintf(err, errsz, "storage_keys: entry %zu: "
			    "expected id:key (the key as 64 hex digits)", n);
			goto fail;
		}
		idlen = (size_t)(colon - s);
		if (idlen == 0 || idlen > FCRYPT_KEYID_MAX) {
			snprintf(err, errsz, "storage_keys: entry %zu: the key "
			    "id must be 1 to %d characters", n,
			    FCRYPT_KEYID_MAX);
			goto fail;
		}
		memcpy(id, s, idlen);
		id[idlen] = '\0';
		if (!fcrypt_keyid_valid(id)) {
			snprintf(err, errsz, "storage_keys: entry %zu: the key "
			    "id may hold only A-Z a-z 0-9 . _ -", n);
			goto fail;
		}
		if (fcrypt_keys_find(t, id) != NULL) {
			snprintf(err, errsz, "storage_keys: key id %s appears "
			    "twice", id);
			goto fail;
		}
		if (t->nkeys == FCRYPT_KEYS_MAX) {
			snprintf(err, errsz, "storage_keys: more than %d keys",
			    FCRYPT_KEYS_MAX);
			goto fail;
		}
		hex = colon + 1;
		hexlen = (size_t)(e - hex);
		if (hexlen != 2 * FCRYPT_KEY_LEN) {
			snprintf(err, errsz, "storage_keys: key %s must be %d "
			    "hex digits (%d bytes), not %zu characters", id,
			    2 * FCRYPT_KEY_LEN, FCRYPT_KEY_LEN, hexlen);
			goto fail;
		}
		for (i = 0; i < FCRYPT_KEY_LEN; i++) {
			hi = fc_hexval(hex[2 * i]);
			lo = fc_hexval(hex[2 * i + 1]);
			if (hi == -1 || lo == -1) {
				snprintf(err, errsz, "storage_keys: key %s is "
				    "not hexadecimal", id);
				goto fail;
			}
			t->keys[t->nkeys].key[i] =
			    (unsigned char)(hi << 4 | lo);
		}
		memcpy(t->keys[t->nkeys].id, id, idlen + 1);
		t->nkeys++;
		if (*comma == '\0')
			break;
		p = comma + 1;
		if (*p == '\0') {
			snprintf(err, errsz, "storage_keys: entry %zu is "
			    "empty", n + 1);
			goto fail;
		}
	}
	if (current_id != NULL && current_id[0] != '\0') {
		for (i = 0; i < t->nkeys; i++)
			if (strcmp(t->keys[i].id, current_id) == 0)
				t->current = (int)i;
		if (t->current == -1) {
			snprintf(err, errsz, "storage_key_id %s is not one of "
			    "the ids in storage_keys", fcrypt_keyid_valid(
			    current_id) ? current_id : "(not a valid id)");
			goto fail;
		}
	}
	return 0;
fail:
	fcrypt_keys_clear(t);
	return -1;
}

/*
 * Fill the key table from the configuration (storage_keys, storage_key_id)
 * and check it against storage_encrypt: encryption on needs a current key.
 * Returns 0, or -1 with a sentence in err and the table cleared.
 */
int
fcrypt_keys_conf(struct fcrypt_keys *t, char *err, size_t errsz)
{
	const char	*spec, *id;

	spec = conf_get(CONF_STORAGE_KEYS);
	id = conf_get(CONF_STORAGE_KEY_ID);
	if (fcrypt_keys_parse(t, spec, id, err, errsz) == -1)
		return -1;
	if (conf_int(CONF_STORAGE_ENCRYPT) && t->current == -1) {
		snprintf(err, errsz, "storage_encrypt = 1 needs storage_key_id "
		    "naming one of the keys in storage_keys");
		fcrypt_keys_clear(t);
		return -1;
	}
	return 0;
}

/*
 * The key named id, or NULL when the table has none by that name.
 */
const struct fcrypt_key *
fcrypt_keys_find(const struct fcrypt_keys *t, const char *id)
{
	size_t	 i;

	for (i = 0; i < t->nkeys; i++)
		if (strcmp(t->keys[i].id, id) == 0)
			return &t->keys[i];
	return NULL;
}

/*
 * The key new files are encrypted with, or NULL when none is set.
 */
const struct fcrypt_key *
fcrypt_keys_current(const struct fcrypt_keys *t)
{
	if (t->current < 0 || (size_t)t->current >= t->nkeys)
		return NULL;
	return &t->keys[t->current];
}

/*
 * Wipe the key table (key material included) and leave it empty.
 */
void
fcrypt_keys_clear(struct fcrypt_keys *t)
{
	OPENSSL_cleanse(t, sizeof(*t));
	t->nkeys = 0;
	t->current = -1;
}

/*
 * The size of the encrypted file for plain bytes in chunks of chunk bytes
 * under a key id of keyidlen characters.
 */
uint64_t
fcrypt_stored_size(uint64_t plain, size_t chunk, size_t keyidlen)
{
	uint64_t	 n;

	n = plain == 0 ? 1 : (plain + chunk - 1) / chunk;
	return FC_FIXED + keyidlen + FC_MAC_LEN + plain + n * FCRYPT_TAG_LEN;
}

/* The file's AES key and header MAC key from the master key and the salt. */
static int
fc_derive(const unsigned char *master, const unsigned char *salt,
    unsigned char *enc, unsigned char *mac)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*kctx;
	OSSL_PARAM	 params[5];
	unsigned char	 okm[64];
	int		 rc;

	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
		return -1;
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (kctx == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)master, FCRYPT_KEY_LEN);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, FC_SALT_LEN);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)FC_INFO, sizeof(FC_INFO) - 1);
	params[4] = OSSL_PARAM_construct_end();
	rc = EVP_KDF_derive(kctx, okm, sizeof(okm), params);
	EVP_KDF_CTX_free(kctx);
	if (rc != 1)
		return -1;
	memcpy(enc, okm, 32);
	memcpy(mac, okm + 32, 32);
	OPENSSL_cleanse(okm, sizeof(okm));
	return 0;
}

/* Write the header's fields (not the MAC) to p; returns their length. */
static size_t
fc_header_encode(unsigned char *p, const struct fc_header *h)
{
	memcpy(p, FC_MAGIC, 4);
	p[4] = FC_VERSION;
	p[5] = FC_ALG;
	p[6] = (unsigned char)h->keyidlen;
	p[7] = 0;
	fc_put32(p + 8, (uint32_t)h->chunk);
	fc_put64(p + 12, h->plain);
	memcpy(p + 20, h->salt, FC_SALT_LEN);
	memcpy(p + FC_FIXED, h->keyid, h->keyidlen);
	return FC_FIXED + h->keyidlen;
}

static void
fc_header_mac(const unsigned char *mackey, const unsigned char *p, size_t n,
    unsigned char *out)
{
	size_t	 len;

	crypto_hmac("SHA256", mackey, 32, p, n, out, &len);
}

/* Nonce and AAD of chunk i: see the top of this file. */
static void
fc_nonce_aad(uint64_t i, bool last, unsigned char *nonce, unsigned char *aad)
{
	memset(nonce, 0, 4);
	fc_put64(nonce + 4, i);
	fc_put64(aad, i);
	aad[8] = last ? 1 : 0;
}

/* A GCM context holding the file key; NULL on an OpenSSL failure. */
static EVP_CIPHER_CTX *
fc_ctx(const unsigned char *key, bool enc)
{
	EVP_CIPHER	*cipher;
	EVP_CIPHER_CTX	*ctx;
	int		 rc;

	if ((cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL)
		return NULL;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		EVP_CIPHER_free(cipher);
		return NULL;
	}
	rc = EVP_CipherInit_ex2(ctx, cipher, key, NULL, enc ? 1 : 0, NULL);
	EVP_CIPHER_free(cipher);
	if (rc != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Encrypt n bytes of chunk i from in to out, then its tag; 0 or -1. */
static int
fc_seal(EVP_CIPHER_CTX *ctx, uint64_t i, bool last, const unsigned char *in,
    size_t n, unsigned char *out)
{
	unsigned char	 nonce[FC_NONCE_LEN], aad[FC_AAD_LEN];
	OSSL_PARAM	 params[2];
	int		 len;

	fc_nonce_aad(i, last, nonce, aad);
	if (EVP_EncryptInit_ex2(ctx, NULL, NULL, nonce, NULL) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, aad, sizeof(aad)) != 1)
		return -1;
	if (n > 0 && (EVP_EncryptUpdate(ctx, out, &len, in, (int)n) != 1 ||
	    (size_t)len != n))
		return -1;
	if (EVP_EncryptFinal_ex(ctx, out + n, &len) != 1 || len != 0)
		return -1;
	params[0] = OSSL_PARAM_construct_octet_string(
	    OSSL_CIPHER_PARAM_AEAD_TAG, out + n, FCRYPT_TAG_LEN);
	params[1] = OSSL_PARAM_construct_end();
	return EVP_CIPHER_CTX_get_params(ctx, params) == 1 ? 0 : -1;
}

/*
 * Decrypt chunk i: n bytes of ciphertext then the tag, from in to out.
 * 0, or -1 when the tag does not match (out then holds nothing usable).
 */
static int
fc_open_chunk(EVP_CIPHER_CTX *ctx, uint64_t i, bool last,
    const unsigned char *in, size_t n, unsigned char *out)
{
	unsigned char	 nonce[FC_NONCE_LEN], aad[FC_AAD_LEN];
	unsigned char	 tag[FCRYPT_TAG_LEN];
	OSSL_PARAM	 params[2];
	int		 len;

	fc_nonce_aad(i, last, nonce, aad);
	memcpy(tag, in + n, sizeof(tag));
	params[0] = OSSL_PARAM_construct_octet_string(
	    OSSL_CIPHER_PARAM_AEAD_TAG, tag, sizeof(tag));
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_DecryptInit_ex2(ctx, NULL, NULL, nonce, NULL) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, aad, sizeof(aad)) != 1)
		return -1;
	if (n > 0 && (EVP_DecryptUpdate(ctx, out, &len, in, (int)n) != 1 ||
	    (size_t)len != n))
		return -1;
	if (EVP_CIPHER_CTX_set_params(ctx, params) != 1)
		return -1;
	return EVP_DecryptFinal_ex(ctx, out + n, &len) == 1 ? 0 : -1;
}

/* Read until n bytes or end of file; the count, or -1 (errno set). */
static ssize_t
fc_read_full(int fd, void *p, size_t n)
{
	size_t	 got = 0;
	ssize_t	 r;

	while (got < n) {
		r = read(fd, (char *)p + got, n - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static ssize_t
fc_pread_full(int fd, void *p, size_t n, uint64_t off)
{
	size_t	 got = 0;
	ssize_t	 r;

	while (got < n) {
		r = pread(fd, (char *)p + got, n - got, (off_t)(off + got));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int
fc_pwrite_full(int fd, const void *p, size_t n, uint64_t off)
{
	size_t	 done = 0;
	ssize_t	 w;

	while (done < n) {
		w = pwrite(fd, (const char *)p + done, n - done,
		    (off_t)(off + done));
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/*
 * Encrypt everything readable from in (read sequentially, so a pipe will
 * do) into out, which must be an empty regular file: it is written with
 * pwrite from offset 0, the header last, once the length is known. chunk
 * 0 means FCRYPT_CHUNK_DEFAULT. Memory use is three chunks, whatever the
 * file's size. Fills info (plaintext size and SHA-256, stored size, key
 * id). Does not fsync or close either descriptor. Returns 0, or -1 with a
 * sentence in err; out then holds garbage the caller removes.
 */
int
fcrypt_encrypt_fd(int in, int out, const struct fcrypt_key *key,
    size_t chunk, struct fcrypt_info *info, char *err, size_t errsz)
{
	struct fc_header h;
	EVP_CIPHER_CTX	*ctx = NULL;
	EVP_MD_CTX	*md = NULL;
	unsigned char	*a = NULL, *b = NULL, *c = NULL, *tmp;
	unsigned char	 enckey[32], mackey[32], hdr[FCRYPT_HEADER_MAX];
	unsigned int	 mdlen;
	ssize_t		 na, nb;
	uint64_t	 i, off;
	size_t		 hlen;
	bool		 last;
	int		 rc = -1;

	memset(info, 0, sizeof(*info));
	memset(&h, 0, sizeof(h));
	if (chunk == 0)
		chunk = FCRYPT_CHUNK_DEFAULT;
	if (chunk < FCRYPT_CHUNK_MIN || chunk > FCRYPT_CHUNK_MAX) {
		snprintf(err, errsz, "chunk size %zu outside %d..%d", chunk,
		    FCRYPT_CHUNK_MIN, FCRYPT_CHUNK_MAX);
		return -1;
	}
	if (key == NULL || !fcrypt_keyid_valid(key->id)) {
		snprintf(err, errsz, "no usable encryption key");
		return -1;
	}
	h.chunk = chunk;
	h.keyidlen = strlen(key->id);
	memcpy(h.keyid, key->id, h.keyidlen + 1);
	h.len = FC_FIXED + h.keyidlen + FC_MAC_LEN;
	crypto_random(h.salt, sizeof(h.salt));
	if (fc_derive(key->key, h.salt, enckey, mackey) == -1 ||
	    (ctx = fc_ctx(enckey, true)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		snprintf(err, errsz, "OpenSSL could not set up AES-256-GCM");
		goto out;
	}
	a = xmalloc(chunk);
	b = xmalloc(chunk);
	c = xmalloc(chunk + FCRYPT_TAG_LEN);

	/* Read one chunk ahead: chunk i is the last one when none follows. */
	if ((na = fc_read_full(in, a, chunk)) == -1) {
		snprintf(err, errsz, "read: %s", strerror(errno));
		goto out;
	}
	for (i = 0, off = h.len;; i++) {
		nb = 0;
		if ((size_t)na == chunk &&
		    (nb = fc_read_full(in, b, chunk)) == -1) {
			snprintf(err, errsz, "read: %s", strerror(errno));
			goto out;
		}
		last = nb == 0;
		if (h.plain + (uint64_t)na > FC_PLAIN_MAX) {
			snprintf(err, errsz, "file too large to encrypt");
			goto out;
		}
		if (EVP_DigestUpdate(md, a, (size_t)na) != 1 ||
		    fc_seal(ctx, i, last, a, (size_t)na, c) == -1) {
			snprintf(err, errsz, "chunk %llu: encryption failed",
			    (unsigned long long)i);
			goto out;
		}
		if (fc_pwrite_full(out, c, (size_t)na + FCRYPT_TAG_LEN,
		    off) == -1) {
			snprintf(err, errsz, "write: %s", strerror(errno));
			goto out;
		}
		off += (uint64_t)na + FCRYPT_TAG_LEN;
		h.plain += (uint64_t)na;
		if (last)
			break;
		tmp = a;
		a = b;
		b = tmp;
		na = nb;
	}

	hlen = fc_header_encode(hdr, &h);
	fc_header_mac(mackey, hdr, hlen, hdr + hlen);
	if (fc_pwrite_full(out, hdr, h.len, 0) == -1) {
		snprintf(err, errsz, "write: %s", strerror(errno));
		goto out;
	}
	if (EVP_DigestFinal_ex(md, info->sha256, &mdlen) != 1) {
		snprintf(err, errsz, "SHA-256 failed");
		goto out;
	}
	str_hex(info->sha256_hex, info->sha256, sizeof(info->sha256));
	info->size = h.plain;
	info->stored_size = off;
	info->encrypted = true;
	memcpy(info->key_id, h.keyid, h.keyidlen + 1);
	rc = 0;
out:
	OPENSSL_cleanse(enckey, sizeof(enckey));
	OPENSSL_cleanse(mackey, sizeof(mackey));
	EVP_CIPHER_CTX_free(ctx);
	EVP_MD_CTX_free(md);
	if (a != NULL)
		OPENSSL_cleanse(a, chunk);
	if (b != NULL)
		OPENSSL_cleanse(b, chunk);
	free(a);
	free(b);
	free(c);
	return rc;
}

/*
 * Read and check the header of the encrypted file open on fd (a regular
 * file; the descriptor stays the caller's and must stay open until
 * fcrypt_close). The master key is looked up in keys by the header's key
 * id. Refuses a file that is not in this format, names an unknown key,
 * fails its header MAC (wrong key, altered header) or whose length is not
 * the one the header implies (truncated, extended). Returns the reader, to
 * be released with fcrypt_close, or NULL with a sentence in err.
 */
struct fcrypt_reader *
fcrypt_open(int fd, const struct fcrypt_keys *keys, char *err, size_t errsz)
{
	struct fcrypt_reader	*r = NULL;
	const struct fcrypt_key	*key;
	struct fc_header	 h;
	struct stat		 st;
	unsigned char		 hdr[FCRYPT_HEADER_MAX], mac[FC_MAC_LEN];
	unsigned char		 enckey[32], mackey[32];
	uint64_t		 want;
	ssize_t			 n;

	memset(&h, 0, sizeof(h));
	if (fstat(fd, &st) == -1) {
		snprintf(err, errsz, "fstat: %s", strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "not a regular file");
		return NULL;
	}
	if ((n = fc_pread_full(fd, hdr, FC_FIXED, 0)) == -1) {
		snprintf(err, errsz, "read: %s", strerror(errno));
		return NULL;
	}
	if (n != FC_FIXED || memcmp(hdr, FC_MAGIC, 4) != 0) {
		snprintf(err, errsz, "not an encrypted file (no CLMF header)");
		return NULL;
	}
	if (hdr[4] != FC_VERSION || hdr[5] != FC_ALG || hdr[7] != 0) {
		snprintf(err, errsz, "unsupported format version %u/%u",
		    hdr[4], hdr[5]);
		return NULL;
	}
	h.keyidlen = hdr[6];
	h.chunk = fc_get32(hdr + 8);
	h.plain = fc_get64(hdr + 12);
	memcpy(h.salt, hdr + 20, FC_SALT_LEN);
	if (h.keyidlen < 1 || h.keyidlen > FCRYPT_KEYID_MAX ||
	    h.chunk < FCRYPT_CHUNK_MIN || h.chunk > FCRYPT_CHUNK_MAX ||
	    h.plain > FC_PLAIN_MAX) {
		snprintf(err, errsz, "corrupt header");
		return NULL;
	}
	h.len = FC_FIXED + h.keyidlen + FC_MAC_LEN;
	n = fc_pread_full(fd, hdr + FC_FIXED, h.keyidlen + FC_MAC_LEN,
	    FC_FIXED);
	if (n == -1) {
		snprintf(err, errsz, "read: %s", strerror(errno));
		return NULL;
	}
	if ((size_t)n != h.keyidlen + FC_MAC_LEN) {
		snprintf(err, errsz, "truncated header");
		return NULL;
	}
	memcpy(h.keyid, hdr + FC_FIXED, h.keyidlen);
	h.keyid[h.keyidlen] = '\0';
	if (!fcrypt_keyid_valid(h.keyid)) {
		snprintf(err, errsz, "corrupt header (key id)");
		return NULL;
	}
	if ((key = fcrypt_keys_find(keys, h.keyid)) == NULL) {
		snprintf(err, errsz, "unknown key id %s (not in the key "
		    "table)", h.keyid);
		return NULL;
	}
	if (fc_derive(key->key, h.salt, enckey, mackey) == -1) {
		snprintf(err, errsz, "OpenSSL HKDF failed");
		return NULL;
	}
	fc_header_mac(mackey, hdr, FC_FIXED + h.keyidlen, mac);
	OPENSSL_cleanse(mackey, sizeof(mackey));
	if (!crypto_equal(mac, hdr + FC_FIXED + h.keyidlen, FC_MAC_LEN)) {
		snprintf(err, errsz, "header authentication failed: wrong key "
		    "for key id %s, or the header was altered", h.keyid);
		goto fail;
	}
	want = fcrypt_stored_size(h.plain, h.chunk, h.keyidlen);
	if ((uint64_t)st.st_size != want) {
		snprintf(err, errsz, "file is %llu bytes, its header says %llu "
		    "(truncated or extended)", (unsigned long long)st.st_size,
		    (unsigned long long)want);
		goto fail;
	}

	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->h = h;
	r->nchunks = h.plain == 0 ? 1 : (h.plain + h.chunk - 1) / h.chunk;
	if ((r->ctx = fc_ctx(enckey, false)) == NULL) {
		snprintf(err, errsz, "OpenSSL could not set up AES-256-GCM");
		goto fail;
	}
	OPENSSL_cleanse(enckey, sizeof(enckey));
	r->in = xmalloc(h.chunk + FCRYPT_TAG_LEN);
	r->out = xmalloc(h.chunk + FCRYPT_TAG_LEN);
	return r;
fail:
	OPENSSL_cleanse(enckey, sizeof(enckey));
	fcrypt_close(r);
	return NULL;
}

/*
 * The plaintext length of the reader's file (from its checked header).
 */
uint64_t
fcrypt_plain_size(const struct fcrypt_reader *r)
{
	return r->h.plain;
}

/*
 * The reader's chunk size in plaintext bytes.
 */
size_t
fcrypt_chunk_size(const struct fcrypt_reader *r)
{
	return r->h.chunk;
}

/*
 * The id of the master key the reader's file is encrypted with. The
 * string lives as long as the reader.
 */
const char *
fcrypt_key_id(const struct fcrypt_reader *r)
{
	return r->h.keyid;
}

/*
 * Decrypt and check only the chunks covering [off, off + len) and hand
 * exactly those plaintext bytes to cb, in order, at most one chunk per call
 * (cb NULL: check them only). No byte of a chunk reaches cb before its tag
 * has been verified. len 0 writes nothing. Returns 0, or -1 with
 * fcrypt_error() saying why: a range past the end, a read error, a chunk
 * that fails authentication (named by its index: the file was altered or
 * damaged; stop serving it), or cb returning -1. Bytes of earlier chunks
 * may already have been written when a later chunk fails.
 */
int
fcrypt_read_range(struct fcrypt_reader *r, uint64_t off, uint64_t len,
    fcrypt_write_cb cb, void *arg)
{
	uint64_t	 i, first, lastc, cstart, from, to;
	size_t		 clen;
	ssize_t		 n;
	bool		 last;

	r->err[0] = '\0';
	if (off > r->h.plain || len > r->h.plain - off) {
		snprintf(r->err, sizeof(r->err), "range %llu+%llu outside a "
		    "file of %llu bytes", (unsigned long long)off,
		    (unsigned long long)len, (unsigned long long)r->h.plain);
		return -1;
	}
	if (len == 0)
		return 0;
	first = off / r->h.chunk;
	lastc = (off + len - 1) / r->h.chunk;
	for (i = first; i <= lastc; i++) {
		cstart = i * r->h.chunk;
		last = i == r->nchunks - 1;
		clen = last ? (size_t)(r->h.plain - cstart) : r->h.chunk;
		n = fc_pread_full(r->fd, r->in, clen + FCRYPT_TAG_LEN,
		    r->h.len + i * (r->h.chunk + FCRYPT_TAG_LEN));
		if (n == -1) {
			snprintf(r->err, sizeof(r->err), "chunk %llu: read: %s",
			    (unsigned long long)i, strerror(errno));
			return -1;
		}
		if ((size_t)n != clen + FCRYPT_TAG_LEN) {
			snprintf(r->err, sizeof(r->err), "chunk %llu of %llu: "
			    "short read (file truncated)",
			    (unsigned long long)i,
			    (unsigned long long)r->nchunks);
			return -1;
		}
		if (fc_open_chunk(r->ctx, i, last, r->in, clen, r->out) == -1) {
			OPENSSL_cleanse(r->out, clen);
			snprintf(r->err, sizeof(r->err), "chunk %llu of %llu "
			    "failed authentication (file altered or damaged)",
			    (unsigned long long)i,
			    (unsigned long long)r->nchunks);
			return -1;
		}
		from = i == first ? off - cstart : 0;
		to = i == lastc ? off + len - cstart : clen;
		if (cb != NULL && cb(arg, r->out + from, (size_t)(to - from))
		    == -1) {
			snprintf(r->err, sizeof(r->err), "chunk %llu: the "
			    "writer failed", (unsigned long long)i);
			return -1;
		}
	}
	return 0;
}

/*
 * Why the reader's last fcrypt_read_range failed ("" if it did not). The
 * string lives as long as the reader and holds no secret.
 */
const char *
fcrypt_error(const struct fcrypt_reader *r)
{
	return r->err;
}

/*
 * Release the reader (wiping its buffers and key); the file descriptor is
 * left open. NULL is allowed.
 */
void
fcrypt_close(struct fcrypt_reader *r)
{
	if (r == NULL)
		return;
	EVP_CIPHER_CTX_free(r->ctx);
	if (r->in != NULL)
		OPENSSL_cleanse(r->in, r->h.chunk + FCRYPT_TAG_LEN);
	if (r->out != NULL)
		OPENSSL_cleanse(r->out, r->h.chunk + FCRYPT_TAG_LEN);
	free(r->in);
	free(r->out);
	free(r);
}
