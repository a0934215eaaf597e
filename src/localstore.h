/*
 * localstore.h: product files and images on the local filesystem under one
 * root, named by generated storage keys, written atomically, optionally
 * encrypted at rest (fcrypt), plus the temp directory uploads land in.
 */
#ifndef COLMENA_LOCALSTORE_H
#define COLMENA_LOCALSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "fcrypt.h"

/* "stores/{uuid}/products/images/{uuid}" and its NUL fit. */
#define LOCALSTORE_KEY_MAX	128
#define LOCALSTORE_ROOT_MAX	3072
/* Any path built from a root and a key fits. */
#define LOCALSTORE_PATH_MAX	(LOCALSTORE_ROOT_MAX + LOCALSTORE_KEY_MAX + 64)

enum localstore_kind {
	LOCALSTORE_FILE,	/* stores/{store}/products/files/{uuid} */
	LOCALSTORE_IMAGE,	/* stores/{store}/products/images/{uuid} */
	LOCALSTORE__MAX
};

/* The storage settings (storage_root, storage_encrypt, the key table). */
struct localstore_conf {
	char			 root[LOCALSTORE_ROOT_MAX];
	bool			 encrypt;
	struct fcrypt_keys	 keys;
};

int	 localstore_conf_load(struct localstore_conf *, char *err,
	    size_t errsz);
void	 localstore_conf_clear(struct localstore_conf *);

int	 localstore_key_new(char *out, size_t outsz, const char *store_id,
	    enum localstore_kind);
bool	 localstore_key_valid(const char *);

enum err localstore_put(const char *root, const char *tmp_path,
	    const char *key, bool encrypt, const struct fcrypt_keys *,
	    struct fcrypt_info *);
int	 localstore_path(char *out, size_t outsz, const char *root,
	    const char *key);
int	 localstore_open(const char *root, const char *key);
enum err localstore_delete(const char *root, const char *key);

enum err localstore_temp_dir(char *out, size_t outsz, const char *root);
int	 localstore_temp_create(char *out, size_t outsz, const char *root);
enum err localstore_temp_sweep(const char *root, int64_t max_age_s,
	    size_t *removed);

#endif
