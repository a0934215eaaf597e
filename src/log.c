/*
 * log.c: the process logger and the fatal allocators. A log line never holds
 * secrets: callers pass identifiers, never passwords, tokens or keys.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char	*log_prog = "colmena";
static enum log_level	 log_min = LOG_INFO;
static char		 log_reqid[65];

static const char *const log_names[LOG__MAX] = {
	"debug",	/* LOG_DEBUG */
	"info",		/* LOG_INFO */
	"warn",		/* LOG_WARN */
	"error",	/* LOG_ERR */
};

/*
 * Set the name every line starts with; progname must outlive the process.
 */
void
log_init(const char *progname)
{
	log_prog = progname;
	log_reqid[0] = '\0';
}

/*
 * Parse a level name ("debug", "info", "warn", "error").
 * Returns 0 and fills *lvl, or -1 for an unknown name.
 */
int
log_level_parse(const char *s, enum log_level *lvl)
{
	int	 i;

	for (i = 0; i < LOG__MAX; i++)
		if (strcmp(s, log_names[i]) == 0) {
			*lvl = (enum log_level)i;
			return 0;
		}
	return -1;
}

/*
 * Drop lines below lvl.
 */
void
log_set_level(enum log_level lvl)
{
	log_min = lvl;
}

/*
 * Tag the following lines with a request id; NULL clears it.
 */
void
log_set_request(const char *request_id)
{
	if (request_id == NULL)
		log_reqid[0] = '\0';
	else
		snprintf(log_reqid, sizeof(log_reqid), "%s", request_id);
}

static void
log_vwrite(enum log_level lvl, const char *func, const char *fmt, va_list ap)
{
	char	 msg[1024];
	size_t	 i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One event, one line: fold control characters from any source. */
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20)
			msg[i] = ' ';
	fprintf(stderr, "%s[%ld] %s%s%s %s: %s\n", log_prog, (long)getpid(),
	    log_names[lvl], log_reqid[0] ? " req=" : "", log_reqid, func, msg);
	fflush(stderr);
}

/*
 * Write one line at level lvl from function func.
 */
void
log_write(enum log_level lvl, const char *func, const char *fmt, ...)
{
	va_list	 ap;

	if (lvl < log_min)
		return;
	va_start(ap, fmt);
	log_vwrite(lvl, func, fmt, ap);
	va_end(ap);
}

/*
 * Log at error level and exit(1); the web server restarts the program.
 */
void
log_fatal(const char *func, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, func, fmt, ap);
	va_end(ap);
	exit(1);
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatalx("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if ((p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size)) == NULL)
		fatalx("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void	*p;

	if ((p = realloc(old, n == 0 ? 1 : n)) == NULL)
		fatalx("out of memory (%zu bytes)", n);
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatalx("out of memory");
	return p;
}
