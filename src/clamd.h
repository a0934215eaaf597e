/*
 * clamd.h: virus scanning through ClamAV's clamd, over its unix or TCP socket
 * with the INSTREAM protocol. Anything but a clean verdict from clamd itself
 * (a timeout, a refused connection, a short reply) is CLAMD_ERROR, never clean.
 */
#ifndef COLMENA_CLAMD_H
#define COLMENA_CLAMD_H

#include <stdbool.h>
#include <stddef.h>

#define CLAMD_DETAIL_MAX	128	/* bytes in clamd_result.detail, NUL included */

enum clamd_status {
	CLAMD_CLEAN,		/* clamd answered "stream: OK" */
	CLAMD_INFECTED,		/* "stream: <name> FOUND": detail is the name */
	CLAMD_ERROR,		/* no verdict: detail says why; refuse the file */
	CLAMD__MAX
};

struct clamd_result {
	enum clamd_status	 status;
	/* Signature name or error message: printable ASCII, NUL-terminated. */
	char			 detail[CLAMD_DETAIL_MAX];
};

enum clamd_status	 clamd_scan_fd(const char *addr, int timeout, int fd,
			    struct clamd_result *);
enum clamd_status	 clamd_scan_file(const char *addr, int timeout,
			    const char *path, struct clamd_result *);
enum clamd_status	 clamd_scan_mem(const char *addr, int timeout,
			    const void *data, size_t len, struct clamd_result *);
int			 clamd_ping(const char *addr, int timeout,
			    struct clamd_result *);
bool			 clamd_conf(const char **addr, int *timeout);
const char		*clamd_status_name(enum clamd_status);

#endif
