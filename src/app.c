/*
 * app.c: process start-up, the FCGX_Accept_r loop and clean shutdown on
 * SIGTERM (the web server's stop signal), so sanitizers see a normal exit.
 */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app.h"
#include "arena.h"
#include "conf.h"
#include "db.h"
#include "jw.h"
#include "log.h"
#include "ratelimit.h"
#include "req.h"

#define RESPONSE_MAX	(16 * 1024 * 1024)
#define RATELIMIT_SLOTS	65536	/* clients tracked per host; every program the same */

static volatile sig_atomic_t	 app_stop;
static struct ratelimit		*app_rl;	/* host-wide, shared memory */

static void
app_sigterm(int sig)
{
	app_stop = 1;
	FCGX_ShutdownPending();
}

static void
app_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = app_sigterm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: interrupt accept() */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);	/* Apache mod_fcgid's stop signal */
	signal(SIGPIPE, SIG_IGN);
}

static const char *
app_config_path(void)
{
	const char	*p;

	if ((p = getenv("COLMENA_CONFIG")) != NULL && *p != '\0')
		return p;
	if (access(COLMENA_CONFFILE, R_OK) == 0)
		return COLMENA_CONFFILE;
	return NULL;
}

static void
app_usage(const struct app *app)
{
	fprintf(stderr, "usage: %s [--routes]\n"
	    "A FastCGI program of ColmenaCommerce: run it from the web server,\n"
	    "or as a CGI with REQUEST_METHOD and REQUEST_URI set.\n", app->name);
}

/*
 * Health for load balancers: 200 when the database answers, else 503.
 */
void
app_health(struct req *r)
{
	struct jw	 w;
	enum err	 rc;

	rc = db_exec(r->db, r->arena, "SELECT 1", 0, NULL, NULL);
	req_nocache(r);
	if (rc != ERR_OK) {
		req_fail(r, ERR_UNAVAILABLE, NULL);
		return;
	}
	req_json_begin(r, &w);
	jw_obj_open(&w, NULL);
	jw_str(&w, "status", "ok");
	jw_str(&w, "database", "ok");
	jw_obj_close(&w);
	req_json_end(r, &w, NULL);
}

static bool
app_has_header(const struct req *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nhdrs; i++)
		if (strcasecmp(r->hdrs[i].key, name) == 0)
			return true;
	return false;
}

/*
 * Count one request of client against cls's limit per minute, in the
 * host-wide table every process shares. Sets the X-RateLimit-* headers;
 * over the limit answers 429 with Retry-After and returns -1.
 */
int
app_limit(struct req *r, const char *cls, const char *client,
    int64_t per_minute)
{
	struct rl_result	 rl;

	if (per_minute <= 0 || app_rl == NULL)
		return 0;
	ratelimit_take(app_rl, cls, client, per_minute, 60, &rl);
	/* A second count (another class or client) answers for both. */
	if (rl.allowed && app_has_header(r, "X-RateLimit-Limit"))
		return 0;
	req_del_header(r, "X-RateLimit-Limit");
	req_del_header(r, "X-RateLimit-Remaining");
	req_del_header(r, "X-RateLimit-Reset");
	req_set_header(r, "X-RateLimit-Limit",
	    arena_printf(r->arena, "%lld", (long long)rl.limit));
	req_set_header(r, "X-RateLimit-Remaining",
	    arena_printf(r->arena, "%lld", (long long)rl.remaining));
	req_set_header(r, "X-RateLimit-Reset",
	    arena_printf(r->arena, "%lld", (long long)rl.reset));
	if (rl.allowed)
		return 0;
	req_set_header(r, "Retry-After",
	    arena_printf(r->arena, "%lld", (long long)rl.retry_after));
	req_fail(r, ERR_RATE_LIMITED, arena_printf(r->arena,
	    "Too many requests: at most %lld a minute. Try again in %lld s.",
	    (long long)rl.limit, (long long)rl.retry_after));
	return -1;
}

static void
app_serve(const struct app *app, FCGX_Request *fr, struct arena *a,
    struct db *db, struct buf *body)
{
	struct req	 r;

	req_init(&r, fr, a, db, body);
	if (app->limit_class == NULL || app_limit(&r, app->limit_class,
	    r.client_addr != NULL ? r.client_addr : "-",
	    conf_int(app->limit_key)) == 0)
		route_dispatch(app->routes, app->nroutes, app->options, &r);
	req_finish(&r);
	arena_reset(a);
}

/*
 * Run program app: with --routes print its route table and exit; under
 * plain CGI serve one request; else serve FastCGI requests until told to
 * stop. Returns the process exit status.
 */
int
app_main(int argc, char *argv[], const struct app *app)
{
	FCGX_Request	 fr;
	struct arena	*a;
	struct db	*db;
	struct buf	 body;
	char		 err[512];
	size_t		 i;
	unsigned long	 served = 0;

	log_init(app->name);
	if (argc == 2 && strcmp(argv[1], "--routes") == 0) {
		for (i = 0; i < app->nroutes; i++)
			printf("%s %s\n", method_names[app->routes[i].method],
			    app->routes[i].pattern);
		return 0;
	}
	if (argc > 1) {
		app_usage(app);
		return 2;
	}
	if (conf_load(app_config_path(), err, sizeof(err)) == -1) {
		log_errx("configuration: %s", err);
		return 1;
	}
	app_signals();
	if (FCGX_Init() != 0) {
		log_errx("FCGX_Init failed");
		return 1;
	}
	a = arena_new();
	db = db_new(conf_get(CONF_DB_URL), app->name,
	    conf_int(CONF_DB_PREPARE) != 0);
	buf_init(&body, RESPONSE_MAX);
	if (*conf_get(CONF_RATELIMIT_FILE) != '\0')
		app_rl = ratelimit_open(conf_get(CONF_RATELIMIT_FILE),
		    RATELIMIT_SLOTS);
	if (app->setup != NULL)
		app->setup(db);
	if (FCGX_IsCGI())
		app_serve(app, NULL, a, db, &body);
	else {
		FCGX_InitRequest(&fr, 0, 0);
		while (!app_stop && FCGX_Accept_r(&fr) >= 0) {
			app_serve(app, &fr, a, db, &body);
			FCGX_Finish_r(&fr);
			served++;
		}
		FCGX_Free(&fr, 1);
		log_info("stopping after %lu requests", served);
	}
	if (app->teardown != NULL)
		app->teardown();
	buf_clear(&body);
	ratelimit_close(app_rl);
	app_rl = NULL;
	db_free(db);
	arena_free(a);
	conf_free();
	return 0;
}
