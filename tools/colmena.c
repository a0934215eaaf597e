/*
 * colmena.c: the command-line tool for operators: schema migrations, stores,
 * staff accounts and the demo data. Talks to PostgreSQL as the owner role
 * (db_owner_url); every failure is one clear sentence and a non-zero exit.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "conf.h"
#include "db.h"
#include "localstore.h"
#include "log.h"
#include "migrate.h"
#include "outbox_send.h"
#include "password.h"
#include "seed.h"
#include "str.h"
#include "valid.h"

#define ORIGINS_MAX	16

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: colmena migrate\n"
	    "       colmena store-create --slug SLUG --name NAME [--currency CODE]\n"
	    "                            [--origin URL]... [--support-email EMAIL]\n"
	    "       colmena user-create --store SLUG --email EMAIL --role owner|admin|editor\n"
	    "                           (password from $COLMENA_PASSWORD or the first line of stdin)\n"
	    "       colmena seed-demo [--stores N] [--products N] [--demo-secret FILE]\n"
	    "                         (FILE: the secret the demo order's links are made from)\n"
	    "       colmena cleanup     (cron, hourly: ended sessions, used links, old lockouts,\n"
	    "                            uploads left in the storage's temp/ for a day,\n"
	    "                            pending orders nobody will pay)\n"
	    "       colmena outbox-deliver [--once | --interval N]\n"
	    "                         (send queued mail over smtp_url, or a store's own\n"
	    "                          SMTP server; --once: what is due, then exit (cron,\n"
	    "                          every minute); else a round every N seconds (1 to\n"
	    "                          3600, default 30) until SIGTERM. Prints \"sent N,\n"
	    "                          retry N, failed N\"; does nothing when smtp_url is\n"
	    "                          empty and no store has its own server)\n"
	    "Configuration: $COLMENA_CONFIG (default %s) and COLMENA_* variables.\n",
	    COLMENA_CONFFILE);
	exit(2);
}

static int
cmd_migrate(struct db *db, int argc, char *argv[])
{
	int	 applied;

	if (argc != 1)
		usage();
	if (migrate_run(db, conf_get(CONF_SQL_DIR), &applied) == -1) {
		fprintf(stderr, "colmena: migration failed (see above)\n");
		return 1;
	}
	if (applied == 0)
		printf("database is up to date\n");
	return 0;
}

/*
 * cleanup: the hourly cron job. Deletes sessions past their expiry, sign-in
 * links used or expired more than a day ago, and sign-in failure counts
 * whose lock (or counting window) ended more than a day ago; expires
 * pending orders that never reached Stripe (an hour on) or whose checkout
 * ended three days ago (orders_expire_stale in sql/005_payments.sql). Each
 * is one statement; run it as often as you like.
 */
static int
cmd_cleanup(struct db *db, struct arena *a, int argc, char *argv[])
{
	static const char *const sql[] = {
		"DELETE FROM sessions WHERE expires_at < now()",
		"DELETE FROM user_tokens WHERE coalesce(used_at, expires_at)"
		" < now() - interval '1 day'",
		"DELETE FROM login_throttle WHERE coalesce(locked_until,"
		" updated_at) < now() - interval '1 day'",
		"SELECT orders_expire_stale(interval '1 hour',"
		" interval '72 hours')",
	};
	static const char *const what[] = {
		"ended sessions", "used or expired links", "old sign-in failure counts",
		"pending orders expired",
	};
	struct dbq		 q[4];
	struct pg_result	*res[4];
	size_t			 i, swept = 0;

	(void)argv;
	if (argc != 1)
		usage();
	for (i = 0; i < nitems(sql); i++)
		q[i] = (struct dbq){ sql[i], 0, NULL };
	if (db_run(db, a, q, nitems(sql), res, false) != ERR_OK) {
		fprintf(stderr, "colmena: cleanup failed (see above)\n");
		return 1;
	}
	for (i = 0; i < nitems(sql); i++)
		if (db_ntuples(res[i]) == 1)	/* a function's count */
			printf("%s %s\n", db_val(res[i], 0, 0), what[i]);
		else
			printf("deleted %s %s\n", db_cmd_tuples(res[i]),
			    what[i]);
	/* Uploads interrupted or refused leave files in temp/: a day old goes. */
	if (access(conf_get(CONF_STORAGE_ROOT), F_OK) == 0) {
		if (localstore_temp_sweep(conf_get(CONF_STORAGE_ROOT), 86400,
		    &swept) != ERR_OK) {
			fprintf(stderr, "colmena: cleaning %s/temp failed (see above)\n",
			    conf_get(CONF_STORAGE_ROOT));
			return 1;
		}
		printf("deleted %zu temporary uploads older than a day\n", swept);
	}
	return 0;
}

static volatile sig_atomic_t	outbox_stop;

static void
outbox_on_signal(int sig)
{
	(void)sig;
	outbox_stop = 1;
}

/*
 * outbox-deliver: send the outbox's due rows (src/outbox_send.c). With
 * --once one round, for cron; else a round every --interval seconds
 * (default 30) until SIGINT or SIGTERM. Exits 0 without touching a row
 * when there is nowhere to send: smtp_url is empty and no store has its
 * own SMTP server. A bad option or interval is exit 2 (usage).
 */
static int
cmd_outbox_deliver(struct db *db, struct arena *a, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	struct outbox_stats	 st;
	struct sigaction	 sa;
	const char		*errstr;
	int64_t			 interval = 30, left;
	bool			 once = false, has_interval = false, on;
	int			 ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			once = true;
			break;
		case 'i':
			interval = str_to_i64(optarg, 1, 3600, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "colmena: --interval %s (1 to "
				    "3600 seconds)\n", errstr);
				usage();
			}
			has_interval = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (once && has_interval))
		usage();
	if (outbox_send_enabled(db, a, &on) != ERR_OK) {
		fprintf(stderr, "colmena: outbox delivery failed (see above)\n");
		return 1;
	}
	if (!on) {
		printf("outbox delivery is off (smtp_url is empty and no store"
		    " has its own SMTP server)\n");
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = outbox_on_signal;
	sigemptyset(&sa.sa_mask);
	if (!once) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	do {
		memset(&st, 0, sizeof(st));
		if (outbox_send_due(db, a, &st) != ERR_OK) {
			fprintf(stderr, "colmena: outbox delivery failed (see above)\n");
			printf("sent %lu, retry %lu, failed %lu\n", st.sent,
			    st.retry, st.failed);
			return 1;
		}
		if (once || st.sent + st.retry + st.failed > 0) {
			printf("sent %lu, retry %lu, failed %lu\n", st.sent,
			    st.retry, st.failed);
			fflush(stdout);
		}
		/* In steps, so a signal just before sleep() waits a second. */
		for (left = once ? 0 : interval; left > 0 && !outbox_stop;
		    left--)
			sleep(1);
	} while (!once && !outbox_stop);
	return 0;
}

static int
cmd_store_create(struct db *db, struct arena *a, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "slug", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "currency", required_argument, NULL, 'c' },
		{ "origin", required_argument, NULL, 'o' },
		{ "support-email", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	struct seed_store	 s;
	const char		*origins[ORIGINS_MAX];
	char			 id[64];
	int			 ch;

	memset(&s, 0, sizeof(s));
	s.currency = "USD";
	s.origins = origins;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			s.slug = optarg;
			break;
		case 'n':
			s.name = optarg;
			break;
		case 'c':
			s.currency = optarg;
			break;
		case 'o':
			if (s.norigins == ORIGINS_MAX) {
				fprintf(stderr, "colmena: at most %d origins\n",
				    ORIGINS_MAX);
				return 1;
			}
			origins[s.norigins++] = optarg;
			break;
		case 'e':
			s.support_email = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || s.slug == NULL || s.name == NULL)
		usage();
	if (seed_store_create(db, a, &s, id, sizeof(id)) == -1)
		return 1;
	printf("created store %s (%s)\n", s.slug, id);
	return 0;
}

static char *
read_password(void)
{
	const char	*env;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;

	if ((env = getenv("COLMENA_PASSWORD")) != NULL)
		return xstrdup(env);
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "Password: ");
	if ((n = getline(&line, &cap, stdin)) <= 0) {
		free(line);
		return NULL;
	}
	if (line[n - 1] == '\n')
		line[n - 1] = '\0';
	return line;
}

static int
cmd_user_create(struct db *db, struct arena *a, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "email", required_argument, NULL, 'e' },
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*store = NULL, *email = NULL, *role = NULL, *name = NULL;
	char		*pw;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			store = optarg;
			break;
		case 'e':
			email = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || store == NULL || email == NULL || role == NULL)
		usage();
	if (seed_user_check(email, role) == -1)
		return 1;
	if ((pw = read_password()) == NULL) {
		fprintf(stderr, "colmena: no password given (set "
		    "COLMENA_PASSWORD or write it on stdin)\n");
		return 1;
	}
	rc = seed_user_create(db, a, store, email, name, role, pw);
	explicit_bzero(pw, strlen(pw));
	free(pw);
	if (rc == -1)
		return 1;
	printf("%s is now %s of store %s\n", email, role, store);
	return 0;
}

static int
cmd_seed_demo(struct db *db, struct arena *a, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "stores", required_argument, NULL, 's' },
		{ "products", required_argument, NULL, 'p' },
		{ "demo-secret", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*errstr, *secret_file = NULL;
	int64_t		 stores = 2, products = 300;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			stores = str_to_i64(optarg, 1, 100, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "colmena: --stores %s (1 to 100)\n",
				    errstr);
				return 1;
			}
			break;
		case 'p':
			products = str_to_i64(optarg, 0, 100000, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "colmena: --products %s (0 to "
				    "100000)\n", errstr);
				return 1;
			}
			break;
		case 'k':
			secret_file = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	return seed_demo(db, a, (int)stores, (int)products, secret_file) ==
	    -1 ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	struct db	*db;
	struct arena	*a;
	const char	*path, *cmd;
	char		 err[512];
	int		 rc;

	log_init("colmena");
	if (argc < 2)
		usage();
	path = getenv("COLMENA_CONFIG");
	if ((path == NULL || *path == '\0') &&
	    access(COLMENA_CONFFILE, R_OK) == 0)
		path = COLMENA_CONFFILE;
	if (path != NULL && *path == '\0')
		path = NULL;
	if (conf_load(path, err, sizeof(err)) == -1) {
		fprintf(stderr, "colmena: configuration: %s\n", err);
		return 1;
	}
	cmd = argv[1];
	argc--;
	argv++;
	db = db_new(conf_get(CONF_DB_OWNER_URL), "colmena-cli", false);
	a = arena_new();
	if (strcmp(cmd, "migrate") == 0)
		rc = cmd_migrate(db, argc, argv);
	else if (strcmp(cmd, "store-create") == 0)
		rc = cmd_store_create(db, a, argc, argv);
	else if (strcmp(cmd, "user-create") == 0)
		rc = cmd_user_create(db, a, argc, argv);
	else if (strcmp(cmd, "seed-demo") == 0)
		rc = cmd_seed_demo(db, a, argc, argv);
	else if (strcmp(cmd, "cleanup") == 0)
		rc = cmd_cleanup(db, a, argc, argv);
	else if (strcmp(cmd, "outbox-deliver") == 0)
		rc = cmd_outbox_deliver(db, a, argc, argv);
	else {
		fprintf(stderr, "colmena: unknown command \"%s\"\n", cmd);
		usage();
	}
	arena_free(a);
	db_free(db);
	conf_free();
	return rc;
}
