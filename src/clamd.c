/*
 * clamd.c: a client for ClamAV's clamd: INSTREAM scans (the data sent as
 * length-prefixed chunks, the verdict read back up to its NUL) and PING, over
 * a unix socket ("/path") or TCP ("host:port"), with non-blocking I/O bounded
 * by poll(2) timeouts. The verdict is clean only when clamd says "stream: OK";
 * every other outcome is an infection or an error, and an error is never clean.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clamd.h"
#include "conf.h"
#include "log.h"
#include "str.h"

#define CLAMD_CHUNK		65536	/* bytes of data per INSTREAM chunk */
#define CLAMD_REPLY_MAX		1024	/* longest reply read, NUL included */
#define CLAMD_HOST_MAX		256

/* Where the data to scan comes from: a descriptor, or memory if fd < 0. */
struct clamd_src {
	int			 fd;
	const unsigned char	*mem;
	size_t			 len;
	size_t			 off;
};

static const char *const clamd_names[CLAMD__MAX] = {
	"CLEAN",	/* CLAMD_CLEAN */
	"INFECTED",	/* CLAMD_INFECTED */
	"ERROR",	/* CLAMD_ERROR */
};

static void		 clamd_sanitize(char *, size_t, const char *, size_t);
static enum clamd_status clamd_set(struct clamd_result *, enum clamd_status,
			    const char *, ...)
			    __attribute__((format(printf, 3, 4)));
static int64_t		 clamd_now(void);
static int		 clamd_wait(int, short, int64_t, const char *,
			    struct clamd_result *);
static int		 clamd_connect_sa(int, const struct sockaddr *, socklen_t,
			    int64_t, struct clamd_result *);
static int		 clamd_connect(const char *, int, struct clamd_result *);
static int		 clamd_send(int, const void *, size_t, int,
			    struct clamd_result *);
static int		 clamd_recv(int, int64_t, char *, size_t, size_t *,
			    struct clamd_result *);
static enum clamd_status clamd_parse(char *, size_t, struct clamd_result *);
static ssize_t		 clamd_src_read(struct clamd_src *, unsigned char *,
			    size_t, struct clamd_result *);
static enum clamd_status clamd_early(int, int, struct clamd_result *);
static enum clamd_status clamd_instream(const char *, int, struct clamd_src *,
			    struct clamd_result *);

/* Copy len bytes of src as printable ASCII ('?' for others), truncated. */
static void
clamd_sanitize(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t	 i;

	if (len > dstsz - 1)
		len = dstsz - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	dst[len] = '\0';
}

/* Fill the result (detail printf-formatted, then sanitised); return status. */
static enum clamd_status
clamd_set(struct clamd_result *res, enum clamd_status st, const char *fmt, ...)
{
	char	 tmp[CLAMD_DETAIL_MAX];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		tmp[0] = '\0';
	res->status = st;
	clamd_sanitize(res->detail, sizeof(res->detail), tmp, strlen(tmp));
	return st;
}

/* Monotonic milliseconds. */
static int64_t
clamd_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until s is ready for events or the deadline (ms, clamd_now()) passes.
 * Returns the revents, or -1 with the result set to CLAMD_ERROR ("what
 * timed out") on a timeout or a poll failure.
 */
static int
clamd_wait(int s, short events, int64_t deadline, const char *what,
    struct clamd_result *res)
{
	struct pollfd	 pfd;
	int64_t		 left;
	int		 n;

	for (;;) {
		left = deadline - clamd_now();
		if (left <= 0) {
			clamd_set(res, CLAMD_ERROR, "timeout %s", what);
			return -1;
		}
		pfd.fd = s;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0)
			return pfd.revents;
		if (n == -1 && errno != EINTR) {
			clamd_set(res, CLAMD_ERROR, "poll: %s", strerror(errno));
			return -1;
		}
	}
}

/*
 * Connect a new non-blocking socket of the given family to sa before the
 * deadline. Returns the socket, or -1 with the result set.
 */
static int
clamd_connect_sa(int family, const struct sockaddr *sa, socklen_t salen,
    int64_t deadline, struct clamd_result *res)
{
	int		 s, err;
	socklen_t	 errlen = sizeof(err);

	s = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s == -1) {
		clamd_set(res, CLAMD_ERROR, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(s, sa, salen) == 0)
		return s;
	if (errno != EINPROGRESS && errno != EINTR) {
		clamd_set(res, CLAMD_ERROR, "connect: %s", strerror(errno));
		goto fail;
	}
	if (clamd_wait(s, POLLOUT, deadline, "connecting", res) == -1)
		goto fail;
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1)
		err = errno;
	if (err != 0) {
		clamd_set(res, CLAMD_ERROR, "connect: %s", strerror(err));
		goto fail;
	}
	return s;
fail:
	close(s);
	return -1;
}

/*
 * Connect to addr: "/path" (unix socket) or "host:port" (TCP; "[v6]:port"
 * too), within timeout seconds. Returns the socket (non-blocking), or -1
 * with the result set.
 */
static int
clamd_connect(const char *addr, int timeout, struct clamd_result *res)
{
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *ai, *p;
	char			 host[CLAMD_HOST_MAX], port[8];
	const char		*colon, *errstr;
	int64_t			 deadline, portnum;
	size_t			 hlen;
	int			 s = -1, rc;

	deadline = clamd_now() + (int64_t)timeout * 1000;
	if (addr == NULL || addr[0] == '\0') {
		clamd_set(res, CLAMD_ERROR, "no clamd address");
		return -1;
	}
	if (addr[0] == '/') {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(addr) >= sizeof(sun.sun_path)) {
			clamd_set(res, CLAMD_ERROR, "socket path too long");
			return -1;
		}
		memcpy(sun.sun_path, addr, strlen(addr) + 1);
		return clamd_connect_sa(AF_UNIX, (struct sockaddr *)&sun,
		    sizeof(sun), deadline, res);
	}

	colon = strrchr(addr, ':');
	if (colon == NULL || colon == addr) {
		clamd_set(res, CLAMD_ERROR, "bad clamd address (want /path or "
		    "host:port)");
		return -1;
	}
	portnum = str_to_i64(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL) {
		clamd_set(res, CLAMD_ERROR, "bad clamd port: %s", errstr);
		return -1;
	}
	hlen = (size_t)(colon - addr);
	if (addr[0] == '[' && hlen >= 2 && addr[hlen - 1] == ']') {
		addr++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		clamd_set(res, CLAMD_ERROR, "bad clamd host");
		return -1;
	}
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	snprintf(port, sizeof(port), "%d", (int)portnum);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		clamd_set(res, CLAMD_ERROR, "resolve %s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	for (p = ai; p != NULL && s == -1; p = p->ai_next)
		s = clamd_connect_sa(p->ai_family, p->ai_addr, p->ai_addrlen,
		    deadline, res);
	freeaddrinfo(ai);
	return s;
}

/*
 * Send len bytes, waiting at most timeout seconds each time the socket
 * stalls. Returns 0 once all is sent; 1 if clamd has answered (or closed)
 * first, so the caller reads its reply; -1 with the result set on an error.
 */
static int
clamd_send(int s, const void *data, size_t len, int timeout,
    struct clamd_result *res)
{
	const char	*p = data;
	ssize_t		 n;
	int		 ev;

	while (len > 0) {
		ev = clamd_wait(s, POLLOUT | POLLIN, clamd_now() +
		    (int64_t)timeout * 1000, "sending to clamd", res);
		if (ev == -1)
			return -1;
		if (ev & (POLLIN | POLLHUP | POLLERR))
			return 1;
		n = send(s, p, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				return 1;
			clamd_set(res, CLAMD_ERROR, "send: %s", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read clamd's reply into buf (bufsz bytes) until its terminating NUL, the
 * end of the connection, a full buffer or the deadline. Sets *len to the
 * bytes read, NUL excluded. Returns 1 if the NUL arrived, 0 if not, -1 with
 * the result set on a timeout or a read error.
 */
static int
clamd_recv(int s, int64_t deadline, char *buf, size_t bufsz, size_t *len,
    struct clamd_result *res)
{
	ssize_t	 n;
	char	*nul;

	*len = 0;
	while (*len < bufsz) {
		if (clamd_wait(s, POLLIN, deadline, "waiting for clamd's reply",
		    res) == -1)
			return -1;
		n = recv(s, buf + *len, bufsz - *len, 0);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				return 0;
			clamd_set(res, CLAMD_ERROR, "recv: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		nul = memchr(buf + *len, '\0', (size_t)n);
		if (nul != NULL) {
			*len = (size_t)(nul - buf);
			return 1;
		}
		*len += (size_t)n;
	}
	return 0;
}

/*
 * Classify a complete (NUL-terminated) reply of len bytes; reply is
 * modified (trailing blanks cut). Fills the result and returns its status.
 */
static enum clamd_status
clamd_parse(char *reply, size_t len, struct clamd_result *res)
{
	static const char	 pfx[] = "stream: ", found[] = " FOUND",
				 error[] = "ERROR";
	size_t			 plen = sizeof(pfx) - 1, flen = sizeof(found) - 1,
				 elen = sizeof(error) - 1;

	while (len > 0 && (reply[len - 1] == '\n' || reply[len - 1] == '\r' ||
	    reply[len - 1] == ' '))
		len--;
	reply[len] = '\0';

	if (len >= elen && memcmp(reply + len - elen, error, elen) == 0 &&
	    (len == elen || reply[len - elen - 1] == ' ')) {
		res->status = CLAMD_ERROR;
		clamd_sanitize(res->detail, sizeof(res->detail), reply, len);
		return CLAMD_ERROR;
	}
	if (strcmp(reply, "stream: OK") == 0)
		return clamd_set(res, CLAMD_CLEAN, "%s", "");
	if (len > plen + flen && memcmp(reply, pfx, plen) == 0 &&
	    memcmp(reply + len - flen, found, flen) == 0) {
		res->status = CLAMD_INFECTED;
		clamd_sanitize(res->detail, sizeof(res->detail), reply + plen,
		    len - plen - flen);
		return CLAMD_INFECTED;
	}
	res->status = CLAMD_ERROR;
	clamd_sanitize(res->detail, sizeof(res->detail), reply, len);
	return clamd_set(res, CLAMD_ERROR, "unexpected reply: %s", res->detail);
}

/*
 * Read up to max bytes of the data to scan. Returns the count (0 at the
 * end), or -1 with the result set on a read error.
 */
static ssize_t
clamd_src_read(struct clamd_src *src, unsigned char *dst, size_t max,
    struct clamd_result *res)
{
	ssize_t	 n;
	size_t	 left;

	if (src->fd < 0) {
		left = src->len - src->off;
		if (left > max)
			left = max;
		if (left > 0)
			memcpy(dst, src->mem + src->off, left);
		src->off += left;
		return (ssize_t)left;
	}
	for (;;) {
		n = read(src->fd, dst, max);
		if (n >= 0)
			return n;
		if (errno != EINTR) {
			clamd_set(res, CLAMD_ERROR, "read: %s", strerror(errno));
			return -1;
		}
	}
}

/*
 * clamd answered or hung up before the stream was complete (it does so
 * past StreamMaxLength): read what it said. Always CLAMD_ERROR: a verdict
 * on part of a file is no verdict.
 */
static enum clamd_status
clamd_early(int s, int timeout, struct clamd_result *res)
{
	char	 reply[CLAMD_REPLY_MAX];
	size_t	 len;
	int	 rc;

	rc = clamd_recv(s, clamd_now() + (int64_t)timeout * 1000, reply,
	    sizeof(reply) - 1, &len, res);
	if (rc == -1)
		return CLAMD_ERROR;
	if (len == 0)
		return clamd_set(res, CLAMD_ERROR,
		    "clamd closed the connection while we were sending");
	reply[len] = '\0';
	if (clamd_parse(reply, len, res) == CLAMD_ERROR)
		return CLAMD_ERROR;
	clamd_sanitize(reply, sizeof(reply), reply, strlen(reply));
	return clamd_set(res, CLAMD_ERROR, "reply before the end of the "
	    "stream: %s", reply);
}

/*
 * The INSTREAM exchange for src: connect, "zINSTREAM\0", chunks of
 * <4-byte big-endian length><data>, a zero-length chunk, the verdict.
 */
static enum clamd_status
clamd_instream(const char *addr, int timeout, struct clamd_src *src,
    struct clamd_result *res)
{
	static const char	 cmd[] = "zINSTREAM";	/* sent with its NUL */
	unsigned char		*chunk = NULL;
	char			 reply[CLAMD_REPLY_MAX];
	size_t			 len;
	ssize_t			 n;
	uint32_t		 be;
	int			 s, rc;

	if (timeout < 1)
		timeout = 1;
	clamd_set(res, CLAMD_ERROR, "no verdict");
	if ((s = clamd_connect(addr, timeout, res)) == -1)
		goto fail;
	chunk = xmalloc(4 + CLAMD_CHUNK);
	if ((rc = clamd_send(s, cmd, sizeof(cmd), timeout, res)) != 0)
		goto sendfail;
	do {
		if ((n = clamd_src_read(src, chunk + 4, CLAMD_CHUNK, res)) == -1)
			goto fail;
		be = (uint32_t)n;
		chunk[0] = (unsigned char)(be >> 24);
		chunk[1] = (unsigned char)(be >> 16);
		chunk[2] = (unsigned char)(be >> 8);
		chunk[3] = (unsigned char)be;
		if ((rc = clamd_send(s, chunk, 4 + (size_t)n, timeout,
		    res)) != 0)
			goto sendfail;
	} while (n > 0);

	rc = clamd_recv(s, clamd_now() + (int64_t)timeout * 1000, reply,
	    sizeof(reply) - 1, &len, res);
	if (rc == -1)
		goto fail;
	if (rc == 0) {
		if (len == 0)
			clamd_set(res, CLAMD_ERROR, "no reply from clamd");
		else {
			clamd_sanitize(reply, sizeof(reply), reply, len);
			clamd_set(res, CLAMD_ERROR, "short reply: %s", reply);
		}
		goto fail;
	}
	reply[len] = '\0';
	clamd_parse(reply, len, res);
	goto done;
sendfail:
	if (rc == 1)
		clamd_early(s, timeout, res);
fail:
	res->status = CLAMD_ERROR;
done:
	free(chunk);
	if (s != -1)
		close(s);
	if (res->status == CLAMD_ERROR)
		log_warnx("clamd %s: %s", addr, res->detail);
	else if (res->status == CLAMD_INFECTED)
		log_warnx("clamd %s: infected: %s", addr, res->detail);
	return res->status;
}

/*
 * Scan what fd holds, from its current offset to its end, with clamd at
 * addr ("/path/clamd.sock" or "host:port"). timeout (seconds, at least 1)
 * bounds the connect, each stall while sending and the wait for the
 * verdict. fd must be blocking; it stays open (the caller's). Returns and
 * stores in *res CLAMD_CLEAN, CLAMD_INFECTED (detail: the signature name)
 * or CLAMD_ERROR (detail: why; the caller must refuse the file). Errors and
 * infections are logged.
 */
enum clamd_status
clamd_scan_fd(const char *addr, int timeout, int fd, struct clamd_result *res)
{
	struct clamd_src	 src = { fd, NULL, 0, 0 };

	if (fd < 0)
		return clamd_set(res, CLAMD_ERROR, "bad descriptor");
	return clamd_instream(addr, timeout, &src, res);
}

/*
 * clamd_scan_fd() on the file at path (opened read-only and closed again).
 * A file that cannot be opened is CLAMD_ERROR.
 */
enum clamd_status
clamd_scan_file(const char *addr, int timeout, const char *path,
    struct clamd_result *res)
{
	enum clamd_status	 st;
	int			 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		clamd_set(res, CLAMD_ERROR, "open: %s", strerror(errno));
		log_warnx("%s: %s", path, res->detail);
		return CLAMD_ERROR;
	}
	st = clamd_scan_fd(addr, timeout, fd, res);
	close(fd);
	return st;
}

/*
 * clamd_scan_fd() on len bytes at data (an upload held in memory).
 */
enum clamd_status
clamd_scan_mem(const char *addr, int timeout, const void *data, size_t len,
    struct clamd_result *res)
{
	struct clamd_src	 src = { -1, data, len, 0 };

	if (data == NULL && len > 0)
		return clamd_set(res, CLAMD_ERROR, "no data");
	return clamd_instream(addr, timeout, &src, res);
}

/*
 * Health check: send "zPING\0" to clamd at addr and expect "PONG" within
 * timeout seconds. Returns 0 if it answered so, else -1. If res is not NULL
 * it gets CLAMD_CLEAN or CLAMD_ERROR with the reason. Failures are logged.
 */
int
clamd_ping(const char *addr, int timeout, struct clamd_result *res)
{
	static const char	 cmd[] = "zPING";	/* sent with its NUL */
	struct clamd_result	 tmp;
	char			 reply[CLAMD_REPLY_MAX];
	size_t			 len;
	int			 s, rc;

	if (res == NULL)
		res = &tmp;
	if (timeout < 1)
		timeout = 1;
	if ((s = clamd_connect(addr, timeout, res)) == -1)
		goto fail;
	if ((rc = clamd_send(s, cmd, sizeof(cmd), timeout, res)) == -1)
		goto fail;
	rc = clamd_recv(s, clamd_now() + (int64_t)timeout * 1000, reply,
	    sizeof(reply) - 1, &len, res);
	if (rc == -1)
		goto fail;
	while (len > 0 && reply[len - 1] == '\n')
		len--;
	if (rc == 1 && len == 4 && memcmp(reply, "PONG", 4) == 0) {
		close(s);
		clamd_set(res, CLAMD_CLEAN, "%s", "");
		return 0;
	}
	clamd_sanitize(reply, sizeof(reply), reply, len);
	clamd_set(res, CLAMD_ERROR, "no PONG: '%s'", reply);
fail:
	if (s != -1)
		close(s);
	log_warnx("clamd %s: %s", addr == NULL ? "" : addr, res->detail);
	return -1;
}

/*
 * The configured clamd: address (CONF_CLAMD) into *addr and timeout
 * (CONF_CLAMD_TIMEOUT, seconds) into *timeout. Returns false when scanning
 * is off (clamd = ""); the configuration must be loaded. *addr lives as
 * long as the configuration.
 */
bool
clamd_conf(const char **addr, int *timeout)
{
	const char	*a = conf_get(CONF_CLAMD);

	if (a == NULL || a[0] == '\0')
		return false;
	*addr = a;
	*timeout = (int)conf_int(CONF_CLAMD_TIMEOUT);
	return true;
}

/*
 * "CLEAN", "INFECTED" or "ERROR" (static storage).
 */
const char *
clamd_status_name(enum clamd_status st)
{
	return st < CLAMD__MAX ? clamd_names[st] : "ERROR";
}
