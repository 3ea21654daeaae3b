/* signet: logging to stderr or syslog.  ISC licence, see README. */
#ifndef SIGNET_LOG_H
#define SIGNET_LOG_H

#include <stddef.h>

/*
 * Log lines never carry passwords, codes or tokens: callers pass only
 * identifiers and outcomes.  Untrusted text goes through log_escape().
 */
void	 log_init(const char *ident, int use_syslog);
void	 log_crit(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_set_debug(int);

/*
 * log_format = json: every line one JSON object, {"time", "level", "pid",
 * "msg"}; request lines carry their fields apart (log_request()).  Off:
 * text lines, as always.
 */
void	 log_set_json(int);

/* A request's line (the worker writes one per request). */
struct log_request {
	const char	*id;		/* "<pid>-<n>" */
	const char	*method;
	const char	*route;		/* the route's name, or "unknown" */
	const char	*path;		/* the route's pattern, else the path
					   (escaped): never a secret segment */
	const char	*client;	/* client address, or "" */
	int		 status;
	double		 ms;		/* duration */
	int		 worker;	/* scoreboard slot, -1: none */
	long		 db;		/* database round trips it made, or
					   -1: not counted */
};

/*
 * Write q's line at pri: "<id> <method> <path> <status> <ms>ms" as text,
 * or an object with "request_id", "method", "route", "path", "status",
 * "duration_ms", "worker", "client" and "db_round_trips" as JSON.  With kind (not NULL) the
 * line goes through log_limited()'s rate limit under that kind.
 */
void	 log_request(int pri, const char *kind, const struct log_request *q);

/*
 * The JSON forms, for log_request() and the tests: the line (without its
 * newline) into buf of sz bytes, always NUL-terminated; stamp is the
 * time, level a name ("info"), dropped (> 0) how many lines of its kind
 * the rate limit dropped before it.  Returns buf.
 */
char	*log_json_line(char *buf, size_t sz, const char *stamp,
	    const char *level, int pid, const char *msg);
char	*log_json_request(char *buf, size_t sz, const char *stamp,
	    const char *level, int pid, const struct log_request *q,
	    long dropped);

/*
 * s as a JSON string, quotes included, into buf (sz >= 3): control
 * characters escaped; bytes past ASCII as they are when s is well-formed
 * UTF-8, else each written "\\xNN" (so the line stays valid JSON).
 * Truncated at a character; always NUL-terminated.  Returns the length.
 */
size_t	 log_json_string(char *buf, size_t sz, const char *s);

/*
 * Lines a client or an outage can repeat at will (a database away, bad
 * requests): like log_err() and the others at pri (LOG_ERR, LOG_WARNING,
 * LOG_INFO or LOG_DEBUG of <syslog.h>), but of the lines of one kind --
 * kind is any string that names what makes them alike, never text a
 * client chose -- one is written per few seconds across all of signet's
 * processes and the rest are counted: the next line of the kind says how
 * many were dropped before it, and log_tick() how many followed it.
 */
void	 log_limited(int pri, const char *kind, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Say how often each line this process wrote through log_limited()
 * repeated, once its window has closed.  Call it every second or so from
 * a process's loop; cheap when there is nothing to say.
 */
void	 log_tick(void);

/*
 * This process's id, asked of the kernel once per process (a fork's child
 * asks again): the log writes it on every line, and each request's id
 * holds it.
 */
int	 log_pid(void);

/*
 * Keep log_limited()'s windows in tab (RL_SLOTS slots of memory shared
 * with the children to come: the scoreboard), so that the limit holds
 * across processes.  Before the first fork.
 */
struct rl_slot;
void	 log_share(struct rl_slot *tab);

/*
 * Copy s into buf (size sz) as one line: each run of blanks, tabs and line
 * breaks becomes one space (none at the ends), other control bytes '?'.
 * For libpq's messages, which span lines.  Truncates; always
 * NUL-terminates.  Returns buf.
 */
char	*log_oneline(char *buf, size_t sz, const char *s);

/*
 * Copy at most len bytes of s into buf (size sz) with every byte outside
 * printable ASCII, and the backslash and double quote, written as \xNN.
 * Truncates with "..." if needed; always NUL-terminates.  Returns buf.
 */
char	*log_escape(char *buf, size_t sz, const char *s, size_t len);

#endif
