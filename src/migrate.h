/*
 * migrate.h: the schema migration runner: applies sql/NNN_name.sql files in
 * order, each once and in its own transaction, recorded with a checksum in
 * schema_migrations; an applied file that changed is refused.
 */
#ifndef COLMENA_MIGRATE_H
#define COLMENA_MIGRATE_H

struct db;

int	 migrate_run(struct db *, const char *dir, int *applied);

#endif
