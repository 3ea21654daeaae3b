/* signet-admin: migrations and account administration.  ISC licence. */
#include "config.h"

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "xmalloc.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: signet-admin [-c file] command [arguments]\n"
	    "commands:\n"
	    "  migrate            apply the SQL migrations not yet applied\n");
	exit(2);
}

static int
sql_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read a whole file into a new string; NULL with errno on failure. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 len;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		fclose(f);
		return NULL;
	}
	buf = xmalloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* Has migration version v been applied?  1, 0 or -1 on error. */
static int
applied(int v)
{
	PGresult	*res;
	char		 sql[128];
	int		 rc;

	snprintf(sql, sizeof(sql),
	    "SELECT 1 FROM schema_versions WHERE version = %d", v);
	res = PQexec(db_conn(), sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = -1;
	else
		rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

/*
 * Apply every sql_dir/NNNN-name.sql whose version is not recorded, in
 * order, each in its own transaction under an advisory lock so that two
 * concurrent runs do not both apply one.  Idempotent.
 */
static int
cmd_migrate(void)
{
	DIR		 *d;
	struct dirent	 *de;
	char		**names = NULL, *path, *sql;
	size_t		  n = 0, i;
	int		  rc = 1, v, done = 0, a;

	if (!db_ready())
		errx(1, "cannot connect to the database (see above)");
	if (db_simple("CREATE TABLE IF NOT EXISTS schema_versions ("
	    "version integer PRIMARY KEY, name text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())") == -1)
		errx(1, "cannot create schema_versions");
	if ((d = opendir(cf->sql_dir)) == NULL)
		err(1, "%s", cf->sql_dir);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l > 9 && strcmp(de->d_name + l - 4, ".sql") == 0 &&
		    sscanf(de->d_name, "%4d-", &v) == 1) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), sql_name_cmp);
	for (i = 0; i < n; i++) {
		sscanf(names[i], "%4d-", &v);
		if (db_begin() == -1 ||
		    db_simple("SELECT pg_advisory_xact_lock(7369676e6574)") == -1)
			goto out;
		if ((a = applied(v)) == -1)
			goto out;
		if (a == 1) {
			db_rollback();
			continue;
		}
		path = xasprintf("%s/%s", cf->sql_dir, names[i]);
		if ((sql = slurp(path)) == NULL) {
			warn("%s", path);
			free(path);
			goto out;
		}
		free(path);
		if (db_simple(sql) == -1) {
			free(sql);
			warnx("%s failed; nothing of it was applied", names[i]);
			goto out;
		}
		free(sql);
		if ((a = applied(v)) != 1) {
			warnx("%s does not record version %d in schema_versions",
			    names[i], v);
			goto out;
		}
		if (db_commit() == -1)
			goto out;
		printf("applied %s\n", names[i]);
		done++;
	}
	if (done == 0)
		printf("the database is up to date\n");
	rc = 0;
out:
	db_rollback();
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	const char	*path;
	char		 msg[512];
	int		 ch;

	if ((path = getenv("SIGNET_CONFIG")) == NULL)
		path = SYSCONFDIR "/signet/signet.conf";
	while ((ch = getopt(argc, argv, "c:h")) != -1)
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	log_init("signet-admin", 0);
	cf = xcalloc(1, sizeof(*cf));
	if (conf_load(cf, path, msg, sizeof(msg)) == -1)
		errx(1, "%s", msg);
	if (strcmp(argv[0], "migrate") == 0 && argc == 1)
		return cmd_migrate();
	usage();
	return 2;
}
