/*
 * localstore.c: the local filesystem storage backend. Keys are generated
 * here and checked against their one exact shape before any system call;
 * paths are walked a component at a time with O_NOFOLLOW under the root, so
 * neither a bad key nor a planted symlink can lead outside it.
 *
 * A put writes "{dir}/.put-{32 hex}" (O_EXCL, 0640), fsyncs it, renames it
 * over its key and fsyncs the directory: readers see the whole file or
 * none. A crash between the two leaves a ".put-" file, which can never be
 * a key (keys are UUIDs); localstore_temp_sweep removes old ones.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "conf.h"
#include "crypto.h"
#include "fcrypt.h"
#include "localstore.h"
#include "log.h"
#include "str.h"

#define LS_UUID_LEN	36
#define LS_PUT_PREFIX	".put-"
#define LS_TEMP_DIR	"temp"
#define LS_COPY_BUF	(64 * 1024)
#define LS_DIR_MODE	0750
#define LS_FILE_MODE	0640

static const char *const ls_kinds[LOCALSTORE__MAX] = {
	"files",	/* LOCALSTORE_FILE */
	"images",	/* LOCALSTORE_IMAGE */
};

static bool	 ls_uuid_lower(const char *);
static int	 ls_parent(const char *root, const char *key, bool create);
static int	 ls_copy(int in, int out, struct fcrypt_info *);
static int	 ls_sweep_dir(int dirfd, const char *prefix, time_t cutoff,
		    size_t *removed);

/* True if s[0..36) is a UUID in lowercase canonical form. */
static bool
ls_uuid_lower(const char *s)
{
	size_t	 i;

	for (i = 0; i < LS_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/*
 * Load the storage settings from the configuration: storage_root (an
 * absolute path; a trailing slash is dropped), storage_encrypt and the key
 * table (see fcrypt_keys_conf). Returns 0, or -1 with a sentence in err.
 * The keys live in c until localstore_conf_clear.
 */
int
localstore_conf_load(struct localstore_conf *c, char *err, size_t errsz)
{
	const char	*root;
	size_t		 len;

	memset(c, 0, sizeof(*c));
	c->keys.current = -1;
	root = conf_get(CONF_STORAGE_ROOT);
	if (root == NULL || root[0] != '/') {
		snprintf(err, errsz, "storage_root must be an absolute path");
		return -1;
	}
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len >= sizeof(c->root)) {
		snprintf(err, errsz, "storage_root is longer than %zu bytes",
		    sizeof(c->root) - 1);
		return -1;
	}
	memcpy(c->root, root, len);
	c->root[len] = '\0';
	c->encrypt = conf_int(CONF_STORAGE_ENCRYPT) != 0;
	return fcrypt_keys_conf(&c->keys, err, errsz);
}

/*
 * Wipe the settings, key material included.
 */
void
localstore_conf_clear(struct localstore_conf *c)
{
	fcrypt_keys_clear(&c->keys);
	memset(c->root, 0, sizeof(c->root));
	c->encrypt = false;
}

/*
 * Make a new storage key for a file or image of the store store_id (a
 * UUID, either case; written lowercase) with a random UUID of its own.
 * Returns 0, or -1 if store_id is not a UUID or out is too small
 * (LOCALSTORE_KEY_MAX always does).
 */
int
localstore_key_new(char *out, size_t outsz, const char *store_id,
    enum localstore_kind kind)
{
	char	 store[LS_UUID_LEN + 1], id[LS_UUID_LEN + 1];
	size_t	 i;
	int	 n;

	if ((unsigned int)kind >= LOCALSTORE__MAX || store_id == NULL ||
	    !str_is_uuid(store_id))
		return -1;
	for (i = 0; i <= LS_UUID_LEN; i++)
		store[i] = (store_id[i] >= 'A' && store_id[i] <= 'F') ?
		    (char)(store_id[i] - 'A' + 'a') : store_id[i];
	crypto_uuid_v4(id);
	n = snprintf(out, outsz, "stores/%s/products/%s/%s", store,
	    ls_kinds[kind], id);
	if (n < 0 || (size_t)n >= outsz)
		return -1;
	return 0;
}

/*
 * True if key has exactly the shape localstore_key_new gives:
 * "stores/{uuid}/products/files/{uuid}" or ".../images/{uuid}", UUIDs in
 * lowercase. Nothing else (no "..", no leading '/', no extra characters)
 * is ever used to build a path.
 */
bool
localstore_key_valid(const char *key)
{
	static const char	 pre[] = "stores/", mid[] = "/products/";
	const char		*p;
	size_t			 k, klen;

	if (key == NULL || strncmp(key, pre, sizeof(pre) - 1) != 0)
		return false;
	p = key + sizeof(pre) - 1;
	if (strnlen(p, LS_UUID_LEN) != LS_UUID_LEN || !ls_uuid_lower(p))
		return false;
	p += LS_UUID_LEN;
	if (strncmp(p, mid, sizeof(mid) - 1) != 0)
		return false;
	p += sizeof(mid) - 1;
	for (k = 0; k < LOCALSTORE__MAX; k++) {
		klen = strlen(ls_kinds[k]);
		if (strncmp(p, ls_kinds[k], klen) == 0 && p[klen] == '/')
			break;
	}
	if (k == LOCALSTORE__MAX)
		return false;
	p += klen + 1;
	return strnlen(p, LS_UUID_LEN + 1) == LS_UUID_LEN && ls_uuid_lower(p);
}

/*
 * Open the directory holding key (valid, checked by the caller) under
 * root, one component at a time with O_NOFOLLOW, creating missing ones
 * (0750, parent fsynced) when asked. The descriptor, or -1 (errno set).
 */
static int
ls_parent(const char *root, const char *key, bool create)
{
	char		 comp[LOCALSTORE_KEY_MAX];
	const char	*p, *slash;
	int		 fd, next, i, saved;
	size_t		 n;

	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	/* The key's four directory components: stores, uuid, products, kind. */
	for (p = key, i = 0; i < 4; i++, p = slash + 1) {
		slash = strchr(p, '/');
		n = (size_t)(slash - p);
		memcpy(comp, p, n);
		comp[n] = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next == -1 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, LS_DIR_MODE) == -1 &&
			    errno != EEXIST)
				goto fail;
			if (fsync(fd) == -1)
				goto fail;
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		}
		if (next == -1)
			goto fail;
		close(fd);
		fd = next;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Copy in to out, hashing on the way; info as for an encrypted file. */
static int
ls_copy(int in, int out, struct fcrypt_info *info)
{
	EVP_MD_CTX	*md;
	unsigned char	*buf;
	unsigned int	 mdlen;
	ssize_t		 r, w;
	size_t		 off;
	int		 rc = -1;

	memset(info, 0, sizeof(*info));
	if ((md = EVP_MD_CTX_new()) == NULL)
		fatalx("EVP_MD_CTX_new failed");
	buf = xmalloc(LS_COPY_BUF);
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		r = read(in, buf, LS_COPY_BUF);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			log_errx("read: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (EVP_DigestUpdate(md, buf, (size_t)r) != 1)
			goto out;
		for (off = 0; off < (size_t)r; off += (size_t)w) {
			w = write(out, buf + off, (size_t)r - off);
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1) {
				log_errx("write: %s", strerror(errno));
				goto out;
			}
		}
		info->size += (uint64_t)r;
	}
	if (EVP_DigestFinal_ex(md, info->sha256, &mdlen) != 1)
		goto out;
	str_hex(info->sha256_hex, info->sha256, sizeof(info->sha256));
	info->stored_size = info->size;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	free(buf);
	return rc;
}

/*
 * Store the file at tmp_path under key (from localstore_key_new) below
 * root, encrypted with the current key of keys when encrypt is set, else
 * as it is. Writes a temporary file in the key's directory (created 0750
 * as needed), fsyncs it, renames it into place and fsyncs the directory.
 * On success removes tmp_path and fills info (plaintext size and SHA-256,
 * stored size, key id). Returns ERR_OK; ERR_VALIDATION for a bad key;
 * ERR_INTERNAL on any other failure (logged), leaving no file behind and
 * tmp_path in place (directories it created may remain, empty).
 */
enum err
localstore_put(const char *root, const char *tmp_path, const char *key,
    bool encrypt, const struct fcrypt_keys *keys, struct fcrypt_info *info)
{
	const struct fcrypt_key	*ek = NULL;
	struct stat		 st;
	const char		*base;
	unsigned char		 rnd[16];
	char			 tmpname[sizeof(LS_PUT_PREFIX) + 32];
	char			 err[FCRYPT_ERR_MAX];
	int			 in = -1, dirfd = -1, out = -1;
	bool			 placed = false;
	enum err		 rc = ERR_INTERNAL;

	memset(info, 0, sizeof(*info));
	if (!localstore_key_valid(key)) {
		log_errx("refused a malformed storage key");
		return ERR_VALIDATION;
	}
	if (encrypt && (keys == NULL || (ek = fcrypt_keys_current(keys)) ==
	    NULL)) {
		log_errx("encryption asked for, but there is no current key");
		return ERR_INTERNAL;
	}
	base = strrchr(key, '/') + 1;
	if ((in = open(tmp_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) == -1) {
		log_errx("%s: %s", tmp_path, strerror(errno));
		goto fail;
	}
	if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_errx("%s: not a regular file", tmp_path);
		goto fail;
	}
	if ((dirfd = ls_parent(root, key, true)) == -1) {
		log_errx("%s/%s: directory: %s", root, key, strerror(errno));
		goto fail;
	}
	crypto_random(rnd, sizeof(rnd));
	memcpy(tmpname, LS_PUT_PREFIX, sizeof(LS_PUT_PREFIX) - 1);
	str_hex(tmpname + sizeof(LS_PUT_PREFIX) - 1, rnd, sizeof(rnd));
	out = openat(dirfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, LS_FILE_MODE);
	if (out == -1) {
		log_errx("%s/%s: create %s: %s", root, key, tmpname,
		    strerror(errno));
		goto fail;
	}
	/* The mode does not depend on the process's umask. */
	if (fchmod(out, LS_FILE_MODE) == -1) {
		log_errx("fchmod: %s", strerror(errno));
		goto fail;
	}
	if (encrypt) {
		if (fcrypt_encrypt_fd(in, out, ek, 0, info, err,
		    sizeof(err)) == -1) {
			log_errx("%s: encrypt: %s", key, err);
			goto fail;
		}
	} else if (ls_copy(in, out, info) == -1) {
		log_errx("%s: copy failed", key);
		goto fail;
	}
	if (fsync(out) == -1) {
		log_errx("%s: fsync: %s", key, strerror(errno));
		goto fail;
	}
	if (close(out) == -1) {
		out = -1;
		log_errx("%s: close: %s", key, strerror(errno));
		goto fail;
	}
	out = -1;
	if (renameat(dirfd, tmpname, dirfd, base) == -1) {
		log_errx("%s: rename: %s", key, strerror(errno));
		goto fail;
	}
	placed = true;
	if (fsync(dirfd) == -1) {
		log_errx("%s: fsync directory: %s", key, strerror(errno));
		goto fail;
	}
	if (unlink(tmp_path) == -1)
		log_warnx("%s: unlink: %s", tmp_path, strerror(errno));
	rc = ERR_OK;
fail:
	if (out != -1)
		close(out);
	if (rc != ERR_OK && dirfd != -1) {
		if (unlinkat(dirfd, placed ? base : tmpname, 0) == -1 &&
		    errno != ENOENT)
			log_errx("%s: cleanup: %s", key, strerror(errno));
		memset(info, 0, sizeof(*info));
	}
	if (dirfd != -1)
		close(dirfd);
	if (in != -1)
		close(in);
	return rc;
}

/*
 * Write root "/" key into out (for X-Sendfile of an unencrypted file).
 * Returns 0, or -1 if the key is malformed, root is not absolute or out
 * is too small (out is then "").
 */
int
localstore_path(char *out, size_t outsz, const char *root, const char *key)
{
	int	 n;

	if (outsz > 0)
		out[0] = '\0';
	if (!localstore_key_valid(key) || root == NULL || root[0] != '/')
		return -1;
	n = snprintf(out, outsz, "%s%s%s", root,
	    root[strlen(root) - 1] == '/' ? "" : "/", key);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * Open the regular file stored under key for reading (O_RDONLY, O_NOFOLLOW
 * and O_CLOEXEC on the file, no symlink followed on the way from root).
 * Returns the descriptor, owned by the caller, or -1 with errno: EINVAL for
 * a malformed key, ENOENT when there is no such file, EISDIR or ENXIO when
 * something other than a regular file is there, others from the system.
 */
int
localstore_open(const char *root, const char *key)
{
	struct stat	 st;
	int		 dirfd, fd, flags, saved;

	if (!localstore_key_valid(key)) {
		errno = EINVAL;
		return -1;
	}
	if ((dirfd = ls_parent(root, key, false)) == -1)
		return -1;
	/* O_NONBLOCK so that a FIFO planted there cannot hang the open. */
	fd = openat(dirfd, strrchr(key, '/') + 1, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK);
	saved = errno;
	close(dirfd);
	if (fd == -1) {
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) == -1)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = S_ISDIR(st.st_mode) ? EISDIR : ENXIO;
	else if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
		saved = errno;
	else
		return fd;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Remove the file stored under key and fsync its directory. Returns
 * ERR_OK, ERR_VALIDATION for a malformed key, ERR_NOT_FOUND when there is
 * no such file, ERR_INTERNAL otherwise (logged).
 */
enum err
localstore_delete(const char *root, const char *key)
{
	int	 dirfd;
	enum err rc = ERR_OK;

	if (!localstore_key_valid(key)) {
		log_errx("refused a malformed storage key");
		return ERR_VALIDATION;
	}
	if ((dirfd = ls_parent(root, key, false)) == -1) {
		if (errno == ENOENT)
			return ERR_NOT_FOUND;
		log_errx("%s/%s: directory: %s", root, key, strerror(errno));
		return ERR_INTERNAL;
	}
	if (unlinkat(dirfd, strrchr(key, '/') + 1, 0) == -1) {
		if (errno == ENOENT)
			rc = ERR_NOT_FOUND;
		else {
			log_errx("%s/%s: unlink: %s", root, key,
			    strerror(errno));
			rc = ERR_INTERNAL;
		}
	} else if (fsync(dirfd) == -1) {
		log_errx("%s/%s: fsync directory: %s", root, key,
		    strerror(errno));
		rc = ERR_INTERNAL;
	}
	close(dirfd);
	return rc;
}

/*
 * Make sure root/temp exists as a directory (not a symlink) of mode 0700
 * and write its path into out. Uploads are written there, then handed to
 * localstore_put (same filesystem as the store). Returns ERR_OK or
 * ERR_INTERNAL (logged).
 */
enum err
localstore_temp_dir(char *out, size_t outsz, const char *root)
{
	int	 rootfd, fd, n;

	if ((rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_errx("%s: %s", root, strerror(errno));
		return ERR_INTERNAL;
	}
	if (mkdirat(rootfd, LS_TEMP_DIR, 0700) == -1 && errno != EEXIST) {
		log_errx("%s/%s: mkdir: %s", root, LS_TEMP_DIR,
		    strerror(errno));
		close(rootfd);
		return ERR_INTERNAL;
	}
	fd = openat(rootfd, LS_TEMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	close(rootfd);
	if (fd == -1 || fchmod(fd, 0700) == -1) {
		log_errx("%s/%s: %s", root, LS_TEMP_DIR, strerror(errno));
		if (fd != -1)
			close(fd);
		return ERR_INTERNAL;
	}
	close(fd);
	n = snprintf(out, outsz, "%s%s%s", root,
	    root[strlen(root) - 1] == '/' ? "" : "/", LS_TEMP_DIR);
	if (n < 0 || (size_t)n >= outsz) {
		log_errx("%s: path too long", root);
		return ERR_INTERNAL;
	}
	return ERR_OK;
}

/*
 * Create a new, empty upload file in root/temp (O_EXCL, 0600, random
 * name) and write its path into out (LOCALSTORE_PATH_MAX is enough).
 * Returns the descriptor (write-only, caller's), or -1 (logged).
 */
int
localstore_temp_create(char *out, size_t outsz, const char *root)
{
	char		 dir[LOCALSTORE_PATH_MAX], hex[33];
	unsigned char	 rnd[16];
	int		 fd, n;

	if (localstore_temp_dir(dir, sizeof(dir), root) != ERR_OK)
		return -1;
	crypto_random(rnd, sizeof(rnd));
	str_hex(hex, rnd, sizeof(rnd));
	n = snprintf(out, outsz, "%s/upload-%s", dir, hex);
	if (n < 0 || (size_t)n >= outsz) {
		log_errx("%s: path too long", dir);
		return -1;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		log_errx("%s: %s", out, strerror(errno));
	return fd;
}

/*
 * Remove the non-directories in dirfd whose names start with prefix ("" for
 * all) and whose mtime is at or before cutoff. Returns 0 or -1 (logged).
 */
static int
ls_sweep_dir(int dirfd, const char *prefix, time_t cutoff, size_t *removed)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	int		 fd, rc = 0;

	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		log_errx("opendir: %s", strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 ||
		    strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || S_ISDIR(st.st_mode) ||
		    st.st_mtime > cutoff)
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == -1) {
			if (errno != ENOENT) {
				log_errx("unlink %s: %s", de->d_name,
				    strerror(errno));
				rc = -1;
			}
			continue;
		}
		(*removed)++;
	}
	if (errno != 0) {
		log_errx("readdir: %s", strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

/*
 * The cron job's cleanup: remove every file in root/temp and every
 * abandoned ".put-" file in the stores' file and image directories last
 * modified max_age_s seconds ago or earlier. Stored files are never
 * touched. Adds the number removed to *removed. Returns ERR_OK, or
 * ERR_INTERNAL (logged) after doing what it could.
 */
enum err
localstore_temp_sweep(const char *root, int64_t max_age_s, size_t *removed)
{
	DIR		*d = NULL;
	struct dirent	*de;
	time_t		 cutoff;
	int		 rootfd, fd, storesfd = -1, sfd, kfd, k;
	enum err	 rc = ERR_OK;

	cutoff = time(NULL) - (time_t)max_age_s;
	if ((rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_errx("%s: %s", root, strerror(errno));
		return ERR_INTERNAL;
	}
	fd = openat(rootfd, LS_TEMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 && errno != ENOENT) {
		log_errx("%s/%s: %s", root, LS_TEMP_DIR, strerror(errno));
		rc = ERR_INTERNAL;
	}
	if (fd != -1) {
		if (ls_sweep_dir(fd, "", cutoff, removed) == -1)
			rc = ERR_INTERNAL;
		close(fd);
	}

	storesfd = openat(rootfd, "stores", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (storesfd == -1) {
		if (errno != ENOENT) {
			log_errx("%s/stores: %s", root, strerror(errno));
			rc = ERR_INTERNAL;
		}
		goto out;
	}
	if ((fd = dup(storesfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		log_errx("%s/stores: %s", root, strerror(errno));
		if (fd != -1)
			close(fd);
		rc = ERR_INTERNAL;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != LS_UUID_LEN ||
		    !ls_uuid_lower(de->d_name))
			continue;
		sfd = openat(storesfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (sfd == -1)
			continue;
		fd = openat(sfd, "products", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		close(sfd);
		if (fd == -1)
			continue;
		for (k = 0; k < LOCALSTORE__MAX; k++) {
			kfd = openat(fd, ls_kinds[k], O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			if (kfd == -1)
				continue;
			if (ls_sweep_dir(kfd, LS_PUT_PREFIX, cutoff,
			    removed) == -1)
				rc = ERR_INTERNAL;
			close(kfd);
		}
		close(fd);
	}
out:
	if (d != NULL)
		closedir(d);
	if (storesfd != -1)
		close(storesfd);
	close(rootfd);
	return rc;
}
