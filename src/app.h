/*
 * app.h: the FastCGI program skeleton every cgi-bin/ program runs: config,
 * logging, signals, the accept loop with a per-request arena, and the shared
 * health endpoint. Under plain CGI it serves exactly one request.
 */
#ifndef COLMENA_APP_H
#define COLMENA_APP_H

#include <stddef.h>

#include <stdint.h>

#include "conf.h"
#include "log.h"
#include "route.h"

struct db;

struct app {
	const char		*name;
	const struct route	*routes;
	size_t			 nroutes;
	route_options_fn	 options;
	void			(*setup)(struct db *);	/* after config */
	void			(*teardown)(void);	/* before exit */
	const char		*limit_class;	/* per-IP limit of every request */
	enum conf_key		 limit_key;	/* ... its requests a minute */
};

int	 app_main(int, char *[], const struct app *);
void	 app_health(struct req *);
int	 app_limit(struct req *, const char *cls, const char *client,
	    int64_t per_minute);

#endif
