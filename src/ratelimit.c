/*
 * ratelimit.c: per-client rate limits shared by every process on the host,
 * using GCRA (the generic cell rate algorithm) over a hash table in a file
 * mapped MAP_SHARED. One table slot per client: its key hash and its
 * "theoretical arrival time" (TAT), the moment its allowance is whole again.
 *
 * Locking: one process-shared, robust pthread mutex in the file's header.
 * Uncontended it costs two atomic instructions and no syscall; a process
 * killed while holding it hands the next locker EOWNERDEAD, which we accept
 * (a slot is two words, so a half-written one only mis-counts one client).
 * Lock-free was rejected: a slot is 16 bytes, and a 16-byte C11 atomic may
 * be implemented by libatomic with a lock table private to each process,
 * which would silently stop processes from agreeing.
 *
 * Clock: CLOCK_REALTIME in microseconds (a vDSO call, no syscall). Every
 * process reads the same value, and unlike CLOCK_MONOTONIC it means the
 * same after a reboot, should the file live on a disk rather than /dev/shm.
 * A step backwards would leave TATs further ahead than any limit allows, so
 * a TAT is clamped to now + one period; a step forwards only forgives.
 *
 * Keys: SipHash-2-4 of class, '\0', client, keyed by a random seed in the
 * header, so clients choosing their addresses cannot aim at one probe window.
 * A key probes RL_PROBE slots; a slot whose TAT has passed is free (its
 * client would start afresh anyway); with none free, the slot nearest to
 * being free is taken, and its client starts afresh.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ratelimit.h"

#define RL_MAGIC	0x31304c524e4d4c43ULL	/* "CLMNRL01" */
#define RL_VERSION	1
#define RL_PROBE	8
#define RL_SLOTS_MIN	16
#define RL_SLOTS_MAX	(1ULL << 22)		/* 64 MiB of slots */
#define RL_PERIOD_MAX	(366LL * 86400)		/* seconds */
#define RL_USEC		1000000LL

struct rl_header {
	uint64_t	 magic;		/* written last: a valid header */
	uint32_t	 version;
	uint32_t	 hdrsize;	/* catches another pthread_mutex_t */
	uint64_t	 nslots;	/* a power of two */
	uint64_t	 seed[2];	/* SipHash key */
	int64_t		 created;	/* wall clock seconds, for inspection */
	pthread_mutex_t	 lock;		/* guards the slots */
};

struct rl_slot {
	uint64_t	 key;
	int64_t		 tat;		/* microseconds since the epoch */
};

/* Slots start on a cache line of their own. */
#define RL_HDRLEN	((sizeof(struct rl_header) + 63) & ~(size_t)63)

struct ratelimit {
	char			*path;
	void			*map;
	size_t			 maplen;
	struct rl_header	*hdr;
	struct rl_slot		*slots;
	uint64_t		 mask;
	bool			 broken;	/* lock unusable, said once */
};

struct sip {
	uint64_t	 v0, v1, v2, v3;
	uint64_t	 tail;		/* bytes not yet compressed */
	size_t		 len;
};

static size_t	 rl_mapsize(uint64_t);
static bool	 rl_header_ok(int, const struct stat *, uint64_t *);
static int	 rl_init(struct ratelimit *, int, uint64_t);
static bool	 rl_lock(struct ratelimit *);
static void	 rl_take(struct ratelimit *, const char *, const char *,
		    int64_t, int64_t, int64_t, struct rl_result *);
static uint64_t	 rl_key(const struct ratelimit *, const char *, const char *);
static int64_t	 rl_ceil_s(int64_t);
static void	 sip_init(struct sip *, const uint64_t[2]);
static void	 sip_update(struct sip *, const void *, size_t);
static uint64_t	 sip_final(struct sip *);

/*
 * Open (creating or repairing as needed) the table in path with room for
 * about slots clients, rounded up to a power of two; a valid table of
 * another size is used as it is, since other processes may have it mapped.
 * Returns NULL, logged, on failure. Free with ratelimit_close.
 */
struct ratelimit *
ratelimit_open(const char *path, size_t slots)
{
	struct ratelimit	*rl;
	struct stat		 st;
	uint64_t		 n, want;
	int			 fd;
	bool			 locked = false;

	for (want = RL_SLOTS_MIN; want < slots && want < RL_SLOTS_MAX; )
		want <<= 1;
	rl = xcalloc(1, sizeof(*rl));
	rl->path = xstrdup(path);
	rl->map = MAP_FAILED;

	/*
	 * O_NOFOLLOW and the owner check: /dev/shm is writable by everyone,
	 * and a table planted by another user could refuse all our clients.
	 */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		log_warnx("%s: open: %s", path, strerror(errno));
		goto fail;
	}
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			log_warnx("%s: flock: %s", path, strerror(errno));
			goto fail;
		}
	locked = true;
	if (fstat(fd, &st) == -1) {
		log_warnx("%s: fstat: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		log_warnx("%s: not a regular file of ours", path);
		goto fail;
	}

	if (rl_header_ok(fd, &st, &n)) {
		if (n != want)
			log_info("%s: using the existing %llu slots, not %llu",
			    path, (unsigned long long)n,
			    (unsigned long long)want);
		rl->maplen = rl_mapsize(n);
		rl->map = mmap(NULL, rl->maplen, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
		if (rl->map == MAP_FAILED) {
			log_warnx("%s: mmap: %s", path, strerror(errno));
			goto fail;
		}
		rl->hdr = rl->map;
	} else {
		if (st.st_size != 0)
			log_warnx("%s: not a rate limit table of this version "
			    "(%lld bytes); initialising it", path,
			    (long long)st.st_size);
		n = want;
		if (rl_init(rl, fd, n) == -1)
			goto fail;
	}
	rl->slots = (struct rl_slot *)((char *)rl->map + RL_HDRLEN);
	rl->mask = n - 1;
	flock(fd, LOCK_UN);
	close(fd);
	return rl;
fail:
	if (locked)
		flock(fd, LOCK_UN);
	if (fd != -1)
		close(fd);
	ratelimit_close(rl);
	return NULL;
}

/*
 * Unmap the table and free the handle; NULL is fine. The file stays.
 */
void
ratelimit_close(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	if (rl->map != MAP_FAILED)
		munmap(rl->map, rl->maplen);
	free(rl->path);
	free(rl);
}

/*
 * Count one request by client in class cls against limit requests per
 * period_s seconds, now, and fill *res. limit <= 0 means no limit, as does
 * a NULL handle (a limiter that failed to open must not refuse anyone).
 */
void
ratelimit_take(struct ratelimit *rl, const char *cls, const char *client,
    int64_t limit, int64_t period_s, struct rl_result *res)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	rl_take(rl, cls, client, limit, period_s,
	    (int64_t)ts.tv_sec * RL_USEC + ts.tv_nsec / 1000, res);
}

/*
 * As ratelimit_take, at now_ms milliseconds since the epoch.
 */
void
ratelimit_take_at(struct ratelimit *rl, const char *cls, const char *client,
    int64_t limit, int64_t period_s, int64_t now_ms, struct rl_result *res)
{
	if (now_ms < 0)
		now_ms = 0;
	if (now_ms > INT64_MAX / 4 / 1000)
		now_ms = INT64_MAX / 4 / 1000;
	rl_take(rl, cls, client, limit, period_s, now_ms * 1000, res);
}

/*
 * Lock the table and return with it locked, as a process about to be
 * killed in the middle of a take would. Only tests call this.
 */
void
ratelimit_test_lock(struct ratelimit *rl)
{
	rl_lock(rl);
}

static size_t
rl_mapsize(uint64_t nslots)
{
	return RL_HDRLEN + (size_t)nslots * sizeof(struct rl_slot);
}

/*
 * Whether the file holds a complete table of this version; fills *nslots.
 */
static bool
rl_header_ok(int fd, const struct stat *st, uint64_t *nslots)
{
	struct rl_header	 h;

	if (st->st_size < (off_t)RL_HDRLEN ||
	    pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return false;
	if (h.magic != RL_MAGIC || h.version != RL_VERSION ||
	    h.hdrsize != sizeof(struct rl_header))
		return false;
	if (h.nslots < RL_SLOTS_MIN || h.nslots > RL_SLOTS_MAX ||
	    (h.nslots & (h.nslots - 1)) != 0)
		return false;
	if (st->st_size != (off_t)rl_mapsize(h.nslots))
		return false;
	*nslots = h.nslots;
	return true;
}

/*
 * Make fd an empty table of nslots slots and map it; called under flock.
 * Returns 0, or -1 logged.
 */
static int
rl_init(struct ratelimit *rl, int fd, uint64_t nslots)
{
	pthread_mutexattr_t	 attr;
	struct rl_header	*h;
	int			 e;

	rl->maplen = rl_mapsize(nslots);
	/* Truncating to nothing first zeroes every slot. */
	if (ftruncate(fd, 0) == -1 ||
	    ftruncate(fd, (off_t)rl->maplen) == -1) {
		log_warnx("%s: ftruncate: %s", rl->path, strerror(errno));
		return -1;
	}
	rl->map = mmap(NULL, rl->maplen, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	if (rl->map == MAP_FAILED) {
		log_warnx("%s: mmap: %s", rl->path, strerror(errno));
		return -1;
	}
	h = rl->hdr = rl->map;
	if (getentropy(h->seed, sizeof(h->seed)) == -1) {
		log_warnx("%s: getentropy: %s", rl->path, strerror(errno));
		return -1;
	}
	h->version = RL_VERSION;
	h->hdrsize = sizeof(struct rl_header);
	h->nslots = nslots;
	h->created = (int64_t)time(NULL);
	if ((e = pthread_mutexattr_init(&attr)) != 0 ||
	    (e = pthread_mutexattr_setpshared(&attr,
	    PTHREAD_PROCESS_SHARED)) != 0 ||
	    (e = pthread_mutexattr_setrobust(&attr,
	    PTHREAD_MUTEX_ROBUST)) != 0 ||
	    (e = pthread_mutex_init(&h->lock, &attr)) != 0) {
		log_warnx("%s: mutex: %s", rl->path, strerror(e));
		return -1;
	}
	pthread_mutexattr_destroy(&attr);
	h->magic = RL_MAGIC;
	return 0;
}

/*
 * Lock the table. A holder that died leaves EOWNERDEAD: the slots are
 * still usable, so mark the mutex consistent and go on. Returns false,
 * said once per handle, when the mutex cannot be had at all.
 */
static bool
rl_lock(struct ratelimit *rl)
{
	int	 e;

	e = pthread_mutex_lock(&rl->hdr->lock);
	if (e == 0)
		return true;
	if (e == EOWNERDEAD) {
		log_warnx("%s: a process died holding the lock; recovered",
		    rl->path);
		pthread_mutex_consistent(&rl->hdr->lock);
		return true;
	}
	if (!rl->broken)
		log_errx("%s: lock: %s; not limiting", rl->path, strerror(e));
	rl->broken = true;
	return false;
}

/*
 * GCRA with interval T = period / limit and a burst of limit * T: a fresh
 * client may make limit requests at once, then one per T. A request is
 * allowed when, counted, the TAT is no more than the burst ahead of now;
 * a refused request leaves the TAT alone, so hammering does not prolong
 * the wait.
 */
static void
rl_take(struct ratelimit *rl, const char *cls, const char *client,
    int64_t limit, int64_t period_s, int64_t now, struct rl_result *res)
{
	struct rl_slot	*s, *slot, *freed, *oldest;
	uint64_t	 key, i;
	int64_t		 period, t, burst, tat, next;

	memset(res, 0, sizeof(*res));
	res->allowed = true;
	if (limit <= 0)
		return;
	if (period_s < 1)
		period_s = 1;
	if (period_s > RL_PERIOD_MAX)
		period_s = RL_PERIOD_MAX;
	period = period_s * RL_USEC;
	if (limit > period)
		limit = period;
	t = period / limit;
	burst = t * limit;
	res->limit = limit;
	if (rl == NULL || rl->broken || !rl_lock(rl)) {
		res->remaining = limit - 1;
		return;
	}

	key = rl_key(rl, cls, client);
	slot = freed = oldest = NULL;
	for (i = 0; i < RL_PROBE; i++) {
		s = &rl->slots[(key + i) & rl->mask];
		if (s->key == key) {
			slot = s;
			break;
		}
		if (freed == NULL && s->tat <= now)
			freed = s;
		if (oldest == NULL || s->tat < oldest->tat)
			oldest = s;
	}
	if (slot != NULL)
		tat = slot->tat;
	else {
		slot = freed != NULL ? freed : oldest;
		tat = now;
	}
	if (tat < now)
		tat = now;
	else if (tat > now + burst)
		tat = now + burst;	/* the clock went back */
	next = tat + t;

	if (next - now <= burst) {
		slot->key = key;
		slot->tat = next;
		res->remaining = (burst - (next - now)) / t;
		res->reset = rl_ceil_s(next - now);
	} else {
		res->allowed = false;
		res->reset = rl_ceil_s(tat - now);
		res->retry_after = rl_ceil_s(next - now - burst);
		if (res->retry_after < 1)
			res->retry_after = 1;
	}
	pthread_mutex_unlock(&rl->hdr->lock);
}

static uint64_t
rl_key(const struct ratelimit *rl, const char *cls, const char *client)
{
	struct sip	 sip;

	if (cls == NULL)
		cls = "";
	if (client == NULL)
		client = "";
	sip_init(&sip, rl->hdr->seed);
	sip_update(&sip, cls, strlen(cls) + 1);	/* with its '\0' */
	sip_update(&sip, client, strlen(client));
	return sip_final(&sip);
}

/* Microseconds to whole seconds, rounded up. */
static int64_t
rl_ceil_s(int64_t us)
{
	return us <= 0 ? 0 : (us + RL_USEC - 1) / RL_USEC;
}

/*
 * SipHash-2-4 (Aumasson and Bernstein), fed incrementally.
 */
#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(s) do {						\
	(s)->v0 += (s)->v1; (s)->v1 = ROTL((s)->v1, 13);		\
	(s)->v1 ^= (s)->v0; (s)->v0 = ROTL((s)->v0, 32);		\
	(s)->v2 += (s)->v3; (s)->v3 = ROTL((s)->v3, 16);		\
	(s)->v3 ^= (s)->v2;						\
	(s)->v0 += (s)->v3; (s)->v3 = ROTL((s)->v3, 21);		\
	(s)->v3 ^= (s)->v0;						\
	(s)->v2 += (s)->v1; (s)->v1 = ROTL((s)->v1, 17);		\
	(s)->v1 ^= (s)->v2; (s)->v2 = ROTL((s)->v2, 32);		\
} while (0)

static void
sip_init(struct sip *s, const uint64_t k[2])
{
	s->v0 = k[0] ^ 0x736f6d6570736575ULL;
	s->v1 = k[1] ^ 0x646f72616e646f6dULL;
	s->v2 = k[0] ^ 0x6c7967656e657261ULL;
	s->v3 = k[1] ^ 0x7465646279746573ULL;
	s->tail = 0;
	s->len = 0;
}

static void
sip_update(struct sip *s, const void *data, size_t n)
{
	const unsigned char	*p = data;

	for (; n > 0; n--, p++) {
		s->tail |= (uint64_t)*p << (8 * (s->len % 8));
		if (++s->len % 8 == 0) {
			s->v3 ^= s->tail;
			SIPROUND(s);
			SIPROUND(s);
			s->v0 ^= s->tail;
			s->tail = 0;
		}
	}
}

static uint64_t
sip_final(struct sip *s)
{
	uint64_t	 b;

	b = s->tail | (uint64_t)s->len << 56;
	s->v3 ^= b;
	SIPROUND(s);
	SIPROUND(s);
	s->v0 ^= b;
	s->v2 ^= 0xff;
	SIPROUND(s);
	SIPROUND(s);
	SIPROUND(s);
	SIPROUND(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}
