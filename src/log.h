/*
 * log.h: one line per event to stderr (the web server's error log), tagged
 * with the program name, pid, level and the current request id.
 */
#ifndef COLMENA_LOG_H
#define COLMENA_LOG_H

#include <stddef.h>

enum log_level {
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERR,
	LOG__MAX
};

void	 log_init(const char *progname);
int	 log_level_parse(const char *, enum log_level *);
void	 log_set_level(enum log_level);
void	 log_set_request(const char *request_id);
void	 log_write(enum log_level, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 log_fatal(const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#define log_debug(...)	log_write(LOG_DEBUG, __func__, __VA_ARGS__)
#define log_info(...)	log_write(LOG_INFO, __func__, __VA_ARGS__)
#define log_warnx(...)	log_write(LOG_WARN, __func__, __VA_ARGS__)
#define log_errx(...)	log_write(LOG_ERR, __func__, __VA_ARGS__)
#define fatalx(...)	log_fatal(__func__, __VA_ARGS__)

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* Out of memory is fatal: these never return NULL. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);

#endif
