/*
 * check_localstore.c: the local storage backend in a temporary root: keys
 * and their validation, plain and encrypted puts, atomicity under failure,
 * symlink refusal, delete, the temp directory and its sweep, settings.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "conf.h"
#include "crypto.h"
#include "fcrypt.h"
#include "localstore.h"
#include "log.h"

#define STORE	"0b5f6c1e-8a47-4d2e-9c3f-1a2b3c4d5e6f"
#define FILEID	"7d9e2f10-3b4c-4a5d-8e6f-0a1b2c3d4e5f"
#define GOODKEY	"stores/" STORE "/products/files/" FILEID
#define K1HEX	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static char	 root[64];
static int	 seq;

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

static void
setup(void)
{
	snprintf(root, sizeof(root), "/tmp/check_localstore.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	umask(022);
}

static void
teardown(void)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write n random bytes (returned, malloc'd) to a new upload in root/temp. */
static unsigned char *
upload(char *path, size_t pathsz, size_t n)
{
	unsigned char	*p = malloc(n + 1);
	int		 fd;

	ck_assert_ptr_nonnull(p);
	crypto_random(p, n);
	fd = localstore_temp_create(path, pathsz, root);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
	return p;
}

/* The number of entries in root/rel other than . and .. (-1: none). */
static int
entries(const char *rel)
{
	char		 path[512];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static bool
exists(const char *path)
{
	struct stat	 st;

	return lstat(path, &st) == 0;
}

/* The whole of fd from offset 0; its length in *n. */
static unsigned char *
slurp(int fd, size_t *n)
{
	struct stat	 st;
	unsigned char	*p;

	ck_assert_int_eq(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	ck_assert_int_eq(pread(fd, p, (size_t)st.st_size, 0), st.st_size);
	*n = (size_t)st.st_size;
	return p;
}

struct out {
	unsigned char	*p;
	size_t		*len;
};

/* fcrypt writer: append to an output buffer known to be large enough. */
static int
collect(void *arg, const void *p, size_t n)
{
	struct out	*o = arg;

	memcpy(o->p + *o->len, p, n);
	*o->len += n;
	return 0;
}

static void
age(const char *path, time_t seconds)
{
	struct timespec	 ts[2];

	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - seconds;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

static void
touch(const char *path)
{
	int	 fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	ck_assert_int_ne(fd, -1);
	close(fd);
	seq++;
}

START_TEST(localstore_key_new_makes_valid_keys)
{
	char		 a[LOCALSTORE_KEY_MAX], b[LOCALSTORE_KEY_MAX];
	const char	*id;

	ck_assert_int_eq(localstore_key_new(a, sizeof(a), STORE,
	    LOCALSTORE_FILE), 0);
	ck_assert_int_eq(localstore_key_new(b, sizeof(b), STORE,
	    LOCALSTORE_FILE), 0);
	ck_assert(localstore_key_valid(a));
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(strncmp(a, "stores/" STORE "/products/files/", 59), 0);
	id = a + 59;
	ck_assert_uint_eq(strlen(id), 36);
	ck_assert_int_eq(id[14], '4');			/* version 4 */
	ck_assert_ptr_nonnull(strchr("89ab", id[19]));	/* variant */

	ck_assert_int_eq(localstore_key_new(a, sizeof(a),
	    "0B5F6C1E-8A47-4D2E-9C3F-1A2B3C4D5E6F", LOCALSTORE_IMAGE), 0);
	ck_assert_int_eq(strncmp(a, "stores/" STORE "/products/images/", 60),
	    0);
	ck_assert(localstore_key_valid(a));

	ck_assert_int_eq(localstore_key_new(a, sizeof(a), "../../etc",
	    LOCALSTORE_FILE), -1);
	ck_assert_int_eq(localstore_key_new(a, sizeof(a), STORE "/x",
	    LOCALSTORE_FILE), -1);
	ck_assert_int_eq(localstore_key_new(a, sizeof(a), NULL,
	    LOCALSTORE_FILE), -1);
	ck_assert_int_eq(localstore_key_new(a, sizeof(a), STORE,
	    LOCALSTORE__MAX), -1);
	ck_assert_int_eq(localstore_key_new(a, 50, STORE, LOCALSTORE_FILE), -1);
}
END_TEST

static const char *const bad_keys[] = {
	"",
	"stores",
	"stores/",
	"/" GOODKEY,
	GOODKEY "/",
	GOODKEY "x",
	GOODKEY "/..",
	"./" GOODKEY,
	"stores//" STORE "/products/files/" FILEID,
	"stores/" STORE "/products/files/../" FILEID,
	"stores/" STORE "/products/files/" FILEID "\n",
	"stores/../" STORE "/products/files/" FILEID,
	"stores/" STORE "/products/videos/" FILEID,
	"stores/" STORE "/products/file/" FILEID,
	"stores/" STORE "/products/filesx/" FILEID,
	"stores/" STORE "/product/files/" FILEID,
	"stores/0B5F6C1E-8A47-4D2E-9C3F-1A2B3C4D5E6F/products/files/" FILEID,
	"stores/" STORE "/products/files/7D9E2F10-3B4C-4A5D-8E6F-0A1B2C3D4E5F",
	"stores/" STORE "/products/files/7d9e2f10-3b4c-4a5d-8e6f-0a1b2c3d4e5",
	"stores/" STORE "/products/files/7d9e2f10-3b4c-4a5d-8e6f_0a1b2c3d4e5f",
	"stores/" STORE "/products/files/7d9e2f10-3b4c-4a5d-8e6f-0a1b2c3d4e5g",
	"stores/" STORE "/products/files/../../../../../../../../etc/passwd",
	"stores/0b5f6c1e-8a47-4d2e-9c3f-1a2b3c4d5e6/products/files/" FILEID,
	"Stores/" STORE "/products/files/" FILEID,
	"/etc/passwd",
	"..",
	"../../../../etc/shadow",
};

START_TEST(localstore_key_valid_refuses_bad_keys)
{
	char	 withnul[128];
	size_t	 i;

	ck_assert(localstore_key_valid(GOODKEY));
	ck_assert(localstore_key_valid("stores/" STORE "/products/images/"
	    FILEID));
	for (i = 0; i < nitems(bad_keys); i++)
		if (localstore_key_valid(bad_keys[i]))
			ck_abort_msg("accepted \"%s\"", bad_keys[i]);
	ck_assert(!localstore_key_valid(NULL));
	/* A NUL inside: what the string holds is a shorter, invalid key. */
	memcpy(withnul, GOODKEY, sizeof(GOODKEY));
	withnul[70] = '\0';
	ck_assert(!localstore_key_valid(withnul));
}
END_TEST

START_TEST(localstore_bad_keys_never_reach_the_filesystem)
{
	struct fcrypt_info	 info;
	char			 tmp[LOCALSTORE_PATH_MAX];
	char			 path[LOCALSTORE_PATH_MAX];
	unsigned char		*p;
	size_t			 i;

	p = upload(tmp, sizeof(tmp), 100);
	for (i = 0; i < nitems(bad_keys); i++) {
		ck_assert_int_eq(localstore_put(root, tmp, bad_keys[i], false,
		    NULL, &info), ERR_VALIDATION);
		errno = 0;
		ck_assert_int_eq(localstore_open(root, bad_keys[i]), -1);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_int_eq(localstore_delete(root, bad_keys[i]),
		    ERR_VALIDATION);
		ck_assert_int_eq(localstore_path(path, sizeof(path), root,
		    bad_keys[i]), -1);
		ck_assert_str_eq(path, "");
	}
	/* Only the upload's own directory exists; the upload is untouched. */
	ck_assert_int_eq(entries(""), 1);
	ck_assert_int_eq(entries("temp"), 1);
	ck_assert(exists(tmp));
	free(p);
}
END_TEST

START_TEST(localstore_put_plain_stores_a_copy)
{
	struct fcrypt_info	 info;
	struct stat		 st;
	char			 tmp[LOCALSTORE_PATH_MAX], path[LOCALSTORE_PATH_MAX];
	char			 key[LOCALSTORE_KEY_MAX];
	unsigned char		*p, *q, sha[32];
	size_t			 n = 300000, m;
	int			 fd;

	p = upload(tmp, sizeof(tmp), n);
	ck_assert_int_eq(localstore_key_new(key, sizeof(key), STORE,
	    LOCALSTORE_FILE), 0);
	ck_assert_int_eq(localstore_put(root, tmp, key, false, NULL, &info),
	    ERR_OK);
	crypto_sha256(p, n, sha);
	ck_assert_uint_eq(info.size, n);
	ck_assert_uint_eq(info.stored_size, n);
	ck_assert(memcmp(info.sha256, sha, 32) == 0);
	ck_assert(!info.encrypted);
	ck_assert_str_eq(info.key_id, "");
	ck_assert(!exists(tmp));

	fd = localstore_open(root, key);
	ck_assert_int_ne(fd, -1);
	q = slurp(fd, &m);
	ck_assert_uint_eq(m, n);
	ck_assert(memcmp(p, q, n) == 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	close(fd);

	ck_assert_int_eq(localstore_path(path, sizeof(path), root, key), 0);
	ck_assert_int_eq(strncmp(path, root, strlen(root)), 0);
	ck_assert_str_eq(path + strlen(root) + 1, key);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_size, n);
	snprintf(path, sizeof(path), "%s/stores/%s/products/files", root, STORE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0750);
	/* Nothing but the file: no temporary name left. */
	ck_assert_int_eq(entries("stores/" STORE "/products/files"), 1);
	ck_assert_int_eq(entries("stores/" STORE "/products"), 1);
	free(p);
	free(q);
}
END_TEST

START_TEST(localstore_put_encrypted_round_trips)
{
	struct fcrypt_keys	 keys;
	struct fcrypt_info	 info;
	struct fcrypt_reader	*r;
	struct stat		 st;
	char			 tmp[LOCALSTORE_PATH_MAX], key[LOCALSTORE_KEY_MAX];
	char			 err[FCRYPT_ERR_MAX];
	unsigned char		*p, *q, sha[32];
	size_t			 n = 200003, m;
	int			 fd;

	ck_assert_int_eq(fcrypt_keys_parse(&keys, "k1:" K1HEX, "k1", err,
	    sizeof(err)), 0);
	p = upload(tmp, sizeof(tmp), n);
	ck_assert_int_eq(localstore_key_new(key, sizeof(key), STORE,
	    LOCALSTORE_IMAGE), 0);
	ck_assert_int_eq(localstore_put(root, tmp, key, true, &keys, &info),
	    ERR_OK);
	crypto_sha256(p, n, sha);
	ck_assert_uint_eq(info.size, n);
	ck_assert(memcmp(info.sha256, sha, 32) == 0);
	ck_assert(info.encrypted);
	ck_assert_str_eq(info.key_id, "k1");
	ck_assert(!exists(tmp));

	fd = localstore_open(root, key);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_size, info.stored_size);
	q = slurp(fd, &m);
	ck_assert_int_eq(memcmp(q, "CLMF", 4), 0);
	/* The plaintext is nowhere in the stored bytes. */
	ck_assert_ptr_null(memmem(q, m, p + 1000, 32));
	free(q);
	r = fcrypt_open(fd, &keys, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(fcrypt_plain_size(r), n);
	q = malloc(n);
	m = 0;
	ck_assert_int_eq(fcrypt_read_range(r, 0, n, collect, &(struct out){
	    q, &m }), 0);
	ck_assert_uint_eq(m, n);
	ck_assert(memcmp(p, q, n) == 0);
	fcrypt_close(r);
	close(fd);
	ck_assert_int_eq(entries("stores/" STORE "/products/images"), 1);
	free(p);
	free(q);
}
END_TEST

START_TEST(localstore_put_refuses_to_encrypt_without_a_key)
{
	struct fcrypt_keys	 keys;
	struct fcrypt_info	 info;
	char			 tmp[LOCALSTORE_PATH_MAX], err[FCRYPT_ERR_MAX];
	unsigned char		*p;

	ck_assert_int_eq(fcrypt_keys_parse(&keys, "k1:" K1HEX, NULL, err,
	    sizeof(err)), 0);
	p = upload(tmp, sizeof(tmp), 10);
	ck_assert_int_eq(localstore_put(root, tmp, GOODKEY, true, &keys,
	    &info), ERR_INTERNAL);
	ck_assert_int_eq(localstore_put(root, tmp, GOODKEY, true, NULL,
	    &info), ERR_INTERNAL);
	ck_assert_int_eq(entries("stores"), -1);
	ck_assert(exists(tmp));
	free(p);
}
END_TEST

/* A put that fails part way through writing: the file size limit. */
static void
put_past_fsize_limit(bool encrypt)
{
	struct fcrypt_keys	 keys;
	struct fcrypt_info	 info;
	struct rlimit		 rl;
	char			 tmp[LOCALSTORE_PATH_MAX], err[FCRYPT_ERR_MAX];
	unsigned char		*p;

	ck_assert_int_eq(fcrypt_keys_parse(&keys, "k1:" K1HEX, "k1", err,
	    sizeof(err)), 0);
	p = upload(tmp, sizeof(tmp), 500000);
	signal(SIGXFSZ, SIG_IGN);
	rl.rlim_cur = rl.rlim_max = 200000;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	ck_assert_int_eq(localstore_put(root, tmp, GOODKEY, encrypt, &keys,
	    &info), ERR_INTERNAL);
	ck_assert_uint_eq(info.size, 0);
	/* The directories may stay; no file, whole or partial, does. */
	ck_assert_int_eq(entries("stores/" STORE "/products/files"), 0);
	ck_assert(exists(tmp));
	ck_assert_int_eq(localstore_open(root, GOODKEY), -1);
	ck_assert_int_eq(errno, ENOENT);
	free(p);
}

START_TEST(localstore_failed_plain_put_leaves_nothing)
{
	put_past_fsize_limit(false);
}
END_TEST

START_TEST(localstore_failed_encrypted_put_leaves_nothing)
{
	put_past_fsize_limit(true);
}
END_TEST

START_TEST(localstore_put_into_a_blocked_path_leaves_nothing)
{
	struct fcrypt_info	 info;
	char			 tmp[LOCALSTORE_PATH_MAX], path[512];
	unsigned char		*p;

	p = upload(tmp, sizeof(tmp), 1000);
	snprintf(path, sizeof(path), "%s/stores", root);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/stores/%s", root, STORE);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	/* A regular file where the products directory belongs. */
	snprintf(path, sizeof(path), "%s/stores/%s/products", root, STORE);
	touch(path);
	ck_assert_int_eq(localstore_put(root, tmp, GOODKEY, false, NULL,
	    &info), ERR_INTERNAL);
	ck_assert_int_eq(entries("stores/" STORE), 1);
	ck_assert(exists(tmp));

	/* A missing upload: nothing created at all. */
	unlink(path);
	ck_assert_int_eq(localstore_put(root, "/nonexistent/upload", GOODKEY,
	    false, NULL, &info), ERR_INTERNAL);
	ck_assert_int_eq(entries("stores/" STORE), 0);
	/* A missing root. */
	ck_assert_int_eq(localstore_put("/nonexistent/root", tmp, GOODKEY,
	    false, NULL, &info), ERR_INTERNAL);
	ck_assert(exists(tmp));
	free(p);
}
END_TEST

START_TEST(localstore_open_follows_no_symlink)
{
	struct fcrypt_info	 info;
	char			 tmp[LOCALSTORE_PATH_MAX], path[512], dst[512];
	char			 key2[LOCALSTORE_KEY_MAX];
	unsigned char		*p;

	p = upload(tmp, sizeof(tmp), 100);
	ck_assert_int_eq(localstore_put(root, tmp, GOODKEY, false, NULL,
	    &info), ERR_OK);
	/* The file itself replaced by a symlink. */
	snprintf(path, sizeof(path), "%s/%s", root, GOODKEY);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	ck_assert_int_eq(localstore_open(root, GOODKEY), -1);
	ck_assert_int_eq(errno, ELOOP);

	/* A directory on the way replaced by a symlink to another store. */
	ck_assert_int_eq(localstore_key_new(key2, sizeof(key2),
	    "11111111-2222-4333-8444-555555555555", LOCALSTORE_FILE), 0);
	free(p);
	p = upload(tmp, sizeof(tmp), 100);
	ck_assert_int_eq(localstore_put(root, tmp, key2, false, NULL, &info),
	    ERR_OK);
	snprintf(dst, sizeof(dst), "%s/stores/%s/products", root,
	    "11111111-2222-4333-8444-555555555555");
	snprintf(path, sizeof(path), "%s/stores/%s", root, STORE);
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/stores/%s/products", root, STORE);
	ck_assert_int_eq(symlink(dst, path), 0);
	snprintf(dst, sizeof(dst), "stores/%s/products/files/%s", STORE,
	    strrchr(key2, '/') + 1);
	ck_assert_int_eq(localstore_open(root, dst), -1);
	ck_assert(errno == ENOTDIR || errno == ELOOP);
	ck_assert_int_eq(localstore_delete(root, dst), ERR_INTERNAL);
	ck_assert_int_ne(localstore_open(root, key2), -1);
	free(p);
}
END_TEST

START_TEST(localstore_open_refuses_what_is_not_a_regular_file)
{
	struct fcrypt_info	 info;
	char			 path[512], tdir[LOCALSTORE_PATH_MAX];
	char			 fifo[LOCALSTORE_PATH_MAX + 16];
	char			 dirkey[LOCALSTORE_KEY_MAX];

	/* A directory and a FIFO (which must not hang the open). */
	ck_assert_int_eq(localstore_key_new(dirkey, sizeof(dirkey), STORE,
	    LOCALSTORE_FILE), 0);
	snprintf(path, sizeof(path), "%s/stores", root);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/stores/%s", root, STORE);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/stores/%s/products", root, STORE);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/stores/%s/products/files", root, STORE);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/%s", root, dirkey);
	ck_assert_int_eq(mkdir(path, 0750), 0);
	ck_assert_int_eq(localstore_open(root, dirkey), -1);
	ck_assert_int_eq(errno, EISDIR);
	snprintf(path, sizeof(path), "%s/%s", root, GOODKEY);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(localstore_open(root, GOODKEY), -1);
	ck_assert_int_eq(errno, ENXIO);

	/* An upload that is a FIFO is refused too, without blocking. */
	ck_assert_int_eq(localstore_temp_dir(tdir, sizeof(tdir), root), ERR_OK);
	snprintf(fifo, sizeof(fifo), "%s/upload-fifo", tdir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(localstore_put(root, fifo, dirkey, false, NULL,
	    &info), ERR_INTERNAL);
}
END_TEST

START_TEST(localstore_delete_removes_the_file)
{
	struct fcrypt_info	 info;
	char			 tmp[LOCALSTORE_PATH_MAX];
	unsigned char		*p;

	ck_assert_int_eq(localstore_delete(root, GOODKEY), ERR_NOT_FOUND);
	p = upload(tmp, sizeof(tmp), 100);
	ck_assert_int_eq(localstore_put(root, tmp, GOODKEY, false, NULL,
	    &info), ERR_OK);
	ck_assert_int_eq(localstore_delete(root, GOODKEY), ERR_OK);
	ck_assert_int_eq(localstore_open(root, GOODKEY), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(localstore_delete(root, GOODKEY), ERR_NOT_FOUND);
	ck_assert_int_eq(entries("stores/" STORE "/products/files"), 0);
	free(p);
}
END_TEST

START_TEST(localstore_path_joins_root_and_key)
{
	char	 path[LOCALSTORE_PATH_MAX], small[40];

	ck_assert_int_eq(localstore_path(path, sizeof(path), "/srv/files",
	    GOODKEY), 0);
	ck_assert_str_eq(path, "/srv/files/" GOODKEY);
	ck_assert_int_eq(localstore_path(path, sizeof(path), "/srv/files/",
	    GOODKEY), 0);
	ck_assert_str_eq(path, "/srv/files/" GOODKEY);
	ck_assert_int_eq(localstore_path(path, sizeof(path), "srv/files",
	    GOODKEY), -1);
	ck_assert_int_eq(localstore_path(small, sizeof(small), "/srv",
	    GOODKEY), -1);
	ck_assert_str_eq(small, "");
}
END_TEST

START_TEST(localstore_temp_dir_is_private)
{
	char		 tdir[LOCALSTORE_PATH_MAX], path[LOCALSTORE_PATH_MAX];
	char		 want[128];
	struct stat	 st;
	int		 fd;

	ck_assert_int_eq(localstore_temp_dir(tdir, sizeof(tdir), root), ERR_OK);
	snprintf(want, sizeof(want), "%s/temp", root);
	ck_assert_str_eq(tdir, want);
	ck_assert_int_eq(lstat(tdir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(chmod(tdir, 0755), 0);
	ck_assert_int_eq(localstore_temp_dir(tdir, sizeof(tdir), root), ERR_OK);
	ck_assert_int_eq(lstat(tdir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);

	fd = localstore_temp_create(path, sizeof(path), root);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(strncmp(path, want, strlen(want)), 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	close(fd);
	ck_assert_int_eq(entries("temp"), 1);

	/* A symlink in its place is refused. */
	nftw(tdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	ck_assert_int_eq(symlink("/tmp", tdir), 0);
	ck_assert_int_eq(localstore_temp_dir(path, sizeof(path), root),
	    ERR_INTERNAL);
	ck_assert_int_eq(localstore_temp_create(path, sizeof(path), root), -1);
	ck_assert_int_eq(localstore_temp_dir(path, sizeof(path),
	    "/nonexistent/root"), ERR_INTERNAL);
}
END_TEST

START_TEST(localstore_temp_sweep_removes_only_old_leftovers)
{
	struct fcrypt_info	 info;
	char			 tdir[LOCALSTORE_PATH_MAX], tmp[LOCALSTORE_PATH_MAX];
	char			 path[LOCALSTORE_PATH_MAX], stored[LOCALSTORE_PATH_MAX];
	char			 old[LOCALSTORE_PATH_MAX + 16];
	char			 fresh[LOCALSTORE_PATH_MAX + 16];
	char			 sub[LOCALSTORE_PATH_MAX + 16];
	char			 oldput[LOCALSTORE_PATH_MAX + 64];
	char			 freshput[LOCALSTORE_PATH_MAX + 64];
	unsigned char		*p;
	size_t			 removed = 0;

	/* Nothing there yet: nothing to do, no error. */
	ck_assert_int_eq(localstore_temp_sweep(root, 86400, &removed), ERR_OK);
	ck_assert_uint_eq(removed, 0);

	ck_assert_int_eq(localstore_temp_dir(tdir, sizeof(tdir), root), ERR_OK);
	snprintf(old, sizeof(old), "%s/upload-old", tdir);
	snprintf(fresh, sizeof(fresh), "%s/upload-fresh", tdir);
	snprintf(sub, sizeof(sub), "%s/subdir", tdir);
	touch(old);
	touch(fresh);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	age(old, 25 * 3600);
	age(fresh, 23 * 3600);
	age(sub, 30 * 3600);

	/* A stored file, old: never swept. Put leftovers: swept when old. */
	p = upload(tmp, sizeof(tmp), 100);
	ck_assert_int_eq(localstore_put(root, tmp, GOODKEY, false, NULL,
	    &info), ERR_OK);
	snprintf(stored, sizeof(stored), "%s/%s", root, GOODKEY);
	age(stored, 400 * 86400);
	snprintf(path, sizeof(path), "%s/stores/%s/products/files", root,
	    STORE);
	snprintf(oldput, sizeof(oldput), "%s/.put-0123456789abcdef0123456789"
	    "abcdef", path);
	snprintf(freshput, sizeof(freshput), "%s/.put-fedcba9876543210fedcba98"
	    "76543210", path);
	touch(oldput);
	touch(freshput);
	age(oldput, 2 * 86400);
	snprintf(path, sizeof(path), "%s/stores/%s/products/files/.other",
	    root, STORE);
	touch(path);
	age(path, 2 * 86400);

	ck_assert_int_eq(localstore_temp_sweep(root, 86400, &removed), ERR_OK);
	ck_assert_uint_eq(removed, 2);
	ck_assert(!exists(old));
	ck_assert(exists(fresh));
	ck_assert(exists(sub));
	ck_assert(exists(stored));
	ck_assert(!exists(oldput));
	ck_assert(exists(freshput));
	ck_assert(exists(path));
	ck_assert_int_eq(localstore_temp_sweep(root, 86400, &removed), ERR_OK);
	ck_assert_uint_eq(removed, 2);
	ck_assert_int_eq(localstore_temp_sweep(root, 3600, &removed), ERR_OK);
	ck_assert_uint_eq(removed, 3);
	ck_assert(!exists(fresh));
	free(p);
}
END_TEST

START_TEST(localstore_conf_load_reads_and_checks_settings)
{
	struct localstore_conf	 c;
	char			 err[256];

	setenv("COLMENA_STORAGE_ROOT", "/srv/colmena/files//", 1);
	setenv("COLMENA_STORAGE_ENCRYPT", "1", 1);
	setenv("COLMENA_STORAGE_KEYS", "k1:" K1HEX, 1);
	setenv("COLMENA_STORAGE_KEY_ID", "k1", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	if (localstore_conf_load(&c, err, sizeof(err)) == -1)
		ck_abort_msg("%s", err);
	ck_assert_str_eq(c.root, "/srv/colmena/files");
	ck_assert(c.encrypt);
	ck_assert_str_eq(fcrypt_keys_current(&c.keys)->id, "k1");
	localstore_conf_clear(&c);
	ck_assert_uint_eq(c.keys.nkeys, 0);

	setenv("COLMENA_STORAGE_KEY_ID", "k9", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(localstore_conf_load(&c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "storage_key_id k9"));

	setenv("COLMENA_STORAGE_ROOT", "var/files", 1);
	ck_assert_int_eq(conf_load(NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(localstore_conf_load(&c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "storage_root must be an absolute path");
	conf_free();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("localstore");
	TCase	*tc = tcase_create("localstore");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, localstore_key_new_makes_valid_keys);
	tcase_add_test(tc, localstore_key_valid_refuses_bad_keys);
	tcase_add_test(tc, localstore_bad_keys_never_reach_the_filesystem);
	tcase_add_test(tc, localstore_put_plain_stores_a_copy);
	tcase_add_test(tc, localstore_put_encrypted_round_trips);
	tcase_add_test(tc, localstore_put_refuses_to_encrypt_without_a_key);
	tcase_add_test(tc, localstore_failed_plain_put_leaves_nothing);
	tcase_add_test(tc, localstore_failed_encrypted_put_leaves_nothing);
	tcase_add_test(tc, localstore_put_into_a_blocked_path_leaves_nothing);
	tcase_add_test(tc, localstore_open_follows_no_symlink);
	tcase_add_test(tc, localstore_open_refuses_what_is_not_a_regular_file);
	tcase_add_test(tc, localstore_delete_removes_the_file);
	tcase_add_test(tc, localstore_path_joins_root_and_key);
	tcase_add_test(tc, localstore_temp_dir_is_private);
	tcase_add_test(tc, localstore_temp_sweep_removes_only_old_leftovers);
	tcase_add_test(tc, localstore_conf_load_reads_and_checks_settings);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
