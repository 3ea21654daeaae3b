/* signet-admin audit: read the audit log.  ISC licence. */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "admin/admin.h"
#include "db/audit.h"
#include "db/db.h"

/* The columns of db_audit_list(), as the JSON form names them. */
static const char *const columns[] = {
	"time", "kind", "outcome", "user_id", "user_gid", "username",
	"client", "personality", "request_id", "user_agent",
};

#define NCOLUMNS	(sizeof(columns) / sizeof(columns[0]))
#define COL_USER_ID	3

/* db_row_fn: one row as one JSON object on a line of its own. */
static void
print_json(const char *const *cols, int ncols, void *arg)
{
	struct json_object	*o;
	int			 c;

	o = json_object_new_object();
	for (c = 0; c < ncols && (size_t)c < NCOLUMNS; c++) {
		if (cols[c] == NULL)
			json_object_object_add(o, columns[c], NULL);
		else if (c == COL_USER_ID)
			json_object_object_add(o, columns[c],
			    json_object_new_int64(strtoll(cols[c], NULL, 10)));
		else
			json_object_object_add(o, columns[c],
			    json_object_new_string(cols[c]));
	}
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/*
 * An age: digits and one unit of s(econds), m(inutes), h(ours), d(ays)
 * or w(eeks), as seconds; -1 when t is no such thing (then it is a time
 * for PostgreSQL to read).
 */
static long long
age_seconds(const char *t)
{
	static const struct {
		char		unit;
		long long	secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	    { 'w', 604800 } };
	char		*end;
	long long	 n;
	size_t		 i;

	if (*t < '0' || *t > '9')
		return -1;
	errno = 0;
	n = strtoll(t, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0' || n > 1000000000)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*end == units[i].unit)
			return n * units[i].secs;
	return -1;
}

int
audit_command(int argc, char *argv[])
{
	static const char *const names[] = { "--user", "--since", NULL };
	const char	*user, *since;
	char		*rest[8];
	long long	 age = -1;
	bool		 json = false;
	int		 i, n = 0;

	/* --json is a flag: the option parser takes values only. */
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (n < (int)(sizeof(rest) / sizeof(rest[0])))
			rest[n++] = argv[i];
		else
			admin_usage();
	}
	user = admin_option(n, rest, names, "--user");
	since = admin_option(n, rest, names, "--since");
	if (since != NULL && (age = age_seconds(since)) >= 0)
		since = NULL;
	admin_need_db();
	if (db_audit_list(user, since, age, json ? print_json :
	    admin_print_row, NULL) == -1) {
		if (strncmp(db_sqlstate(), "22", 2) == 0)
			errx(EX_USAGE, "--since: \"%s\" is neither a time "
			    "(2024-05-01, '2024-05-01 12:00+02') nor an age "
			    "(30m, 12h, 7d)", since);
		errx(EX_FAIL, "could not read the audit log (see above)");
	}
	return EX_OK;
}
