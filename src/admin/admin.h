/* signet-admin: what its commands share.  ISC licence. */
#ifndef SIGNET_ADMIN_ADMIN_H
#define SIGNET_ADMIN_ADMIN_H

/* Exit statuses: what went wrong, for scripts. */
#define EX_OK		0
#define EX_FAIL		1	/* refused, not found, or the database */
#define EX_USAGE	2

/* Print the usage and exit with EX_USAGE. */
void		 admin_usage(void) __attribute__((noreturn));

/* Connect, or exit: every command but calibrate needs the database. */
void		 admin_need_db(void);

/*
 * The value of option name ("--owner VALUE" or "--owner=VALUE") among
 * argv[0..argc-1], each option at most once; every argument must be one
 * of the options in names (NULL-terminated), else admin_usage().  NULL
 * when absent.
 */
const char	*admin_option(int argc, char *argv[], const char *const *names,
		    const char *name);

/*
 * db_row_fn: print a listing's row, its columns separated by tabs, SQL
 * NULL as "-", control characters (tabs, newlines) as spaces.
 */
void		 admin_print_row(const char *const *cols, int ncols, void *arg);

/* signet-admin audit [--user U] [--since T] [--json] (admin/audit.c). */
int		 audit_command(int argc, char *argv[]);

#endif
