/* signet: logging to stderr or syslog.  ISC licence, see README. */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/ratelimit.h"
#include "base/utf8.h"

/*
 * log_limited(): a line of a kind opens a window of LOG_QUIET seconds in
 * which the others of its kind are counted, not written.  A few seconds:
 * long enough that a database away for a minute costs a dozen lines, not
 * thousands; short enough that the log still shows when it came back.
 */
#define LOG_QUIET	5

/*
 * The windows this process opened, remembered with their line so that
 * log_tick() can say how often it repeated once the window closed.  More
 * kinds at once than this: the oldest is forgotten, and its count goes
 * out with the next line of its kind instead.
 */
#define LOG_OPENED	16

static int		 log_syslog;
static int		 self_pid;
static int		 log_debugging;
static int		 log_json;
static const char	*log_ident = "signet";

/*
 * log_limited()'s table: the scoreboard's, shared by the master and its
 * children (log_share()), or this one in a process without a scoreboard
 * (signet-admin, the unit tests).
 */
static struct rl_slot	 own_table[RL_SLOTS];
static struct rl_slot	*shared_table;

static struct {
	pid_t		 pid;		/* a child inherits them: not its own */
	size_t		 slot;
	uint64_t	 key;
	long		 opened;	/* 0: unused */
	int		 pri;
	char		 line[256];
}			 opened[LOG_OPENED];

void
log_init(const char *ident, int use_syslog)
{
	log_ident = ident;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_debug(int on)
{
	log_debugging = on;
}

void
log_set_json(int on)
{
	log_json = on;
}

static const char *const level_names[] = {
	[LOG_CRIT] = "crit", [LOG_ERR] = "error", [LOG_WARNING] = "warning",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

/* Now in UTC, to the second (text) or the millisecond (JSON). */
static void
stamp_now(char *buf, size_t sz)
{
	static char	last[32];	/* the second's text, made once */
	static time_t	last_sec = -1;
	struct timespec	ts;
	struct tm	tm;
	size_t		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		if (strftime(last, sizeof(last), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
			last[0] = '\0';
		last_sec = ts.tv_sec;
	}
	n = strlen(last) < sz ? strlen(last) : 0;
	memcpy(buf, last, n);
	if (log_json)
		snprintf(buf + n, sz - n, ".%03dZ",
		    (int)(ts.tv_nsec / 1000000L % 1000));
	else if (n + 2 <= sz)
		memcpy(buf + n, "Z", 2);
	else if (sz > 0)
		buf[0] = '\0';
}

/*
 * Write one finished line (no newline in it): to syslog at pri, or to
 * stderr with a time stamp, the ident and the level (a JSON line carries
 * its own).  One write(2) per line keeps lines whole when workers share
 * stderr (dprintf(3) would also fstat and lseek on every call).
 */
static void
emit(int pri, const char *line)
{
	char	stamp[40], out[2600];
	int	n;

	if (log_syslog) {
		syslog(pri, "%s", line);
		return;
	}
	if (log_json)
		n = snprintf(out, sizeof(out), "%s\n", line);
	else {
		stamp_now(stamp, sizeof(stamp));
		n = snprintf(out, sizeof(out), "%s %s[%d] %s: %s\n", stamp,
		    log_ident, log_pid(), level_names[pri], line);
	}
	if (n > (int)sizeof(out) - 1) {
		n = (int)sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	(void)write(STDERR_FILENO, out, (size_t)n);
}

/* A text line, or the JSON object that carries it as "msg". */
static void
emit_msg(int pri, const char *line)
{
	char	json[2600], stamp[40];

	if (!log_json) {
		emit(pri, line);
		return;
	}
	stamp_now(stamp, sizeof(stamp));
	emit(pri, log_json_line(json, sizeof(json), stamp, level_names[pri],
	    log_pid(), line));
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	char	line[2048];
	int	n;

	if (pri == LOG_DEBUG && !log_debugging)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One call, one line, whatever the text passed in holds. */
	for (n = 0; line[n] != '\0'; n++)
		if (line[n] == '\n' || line[n] == '\r')
			line[n] = ' ';
	emit_msg(pri, line);
}

size_t
log_json_string(char *buf, size_t sz, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 esc[8];
	size_t			 o = 0, n;
	unsigned char		 c;
	bool			 utf8;

	if (sz < 3) {
		if (sz > 0)
			buf[0] = '\0';
		return 0;
	}
	utf8 = utf8_valid(s, strlen(s));
	buf[o++] = '"';
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		n = 2;
		esc[0] = '\\';
		if (c == '"' || c == '\\')
			esc[1] = (char)c;
		else if (c == '\n')
			esc[1] = 'n';
		else if (c == '\r')
			esc[1] = 'r';
		else if (c == '\t')
			esc[1] = 't';
		else if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		} else if (c >= 0x80 && !utf8) {
			memcpy(esc, "\\\\x", 3);
			esc[3] = hex[c >> 4];
			esc[4] = hex[c & 15];
			n = 5;
		} else if (c >= 0x80) {
			/* Whole characters only: s is well-formed. */
			n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
			memcpy(esc, s, n);
			s += n - 1;
		} else {
			esc[0] = (char)c;
			n = 1;
		}
		if (o + n + 2 > sz)	/* it, the closing quote, the NUL */
			break;
		memcpy(buf + o, esc, n);
		o += n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return o;
}

char *
log_json_line(char *buf, size_t sz, const char *stamp, const char *level,
    int pid, const char *msg)
{
	char	m[2200];

	log_json_string(m, sizeof(m), msg);
	snprintf(buf, sz, "{\"time\":\"%s\",\"level\":\"%s\",\"pid\":%d,"
	    "\"msg\":%s}", stamp, level, pid, m);
	return buf;
}

char *
log_json_request(char *buf, size_t sz, const char *stamp, const char *level,
    int pid, const struct log_request *q, long dropped)
{
	char	id[80], method[40], route[80], path[400], client[120];
	char	more[40] = "", worker[32] = "", db[40] = "";

	log_json_string(id, sizeof(id), q->id);
	log_json_string(method, sizeof(method), q->method);
	log_json_string(route, sizeof(route), q->route);
	log_json_string(path, sizeof(path), q->path);
	log_json_string(client, sizeof(client), q->client ? q->client : "");
	if (q->worker >= 0)
		snprintf(worker, sizeof(worker), ",\"worker\":%d", q->worker);
	if (dropped > 0)
		snprintf(more, sizeof(more), ",\"dropped\":%ld", dropped);
	if (q->db >= 0)
		snprintf(db, sizeof(db), ",\"db_round_trips\":%ld", q->db);
	snprintf(buf, sz, "{\"time\":\"%s\",\"level\":\"%s\",\"pid\":%d%s,"
	    "\"request_id\":%s,\"method\":%s,\"route\":%s,\"path\":%s,"
	    "\"status\":%d,\"duration_ms\":%.3f,\"client\":%s%s%s}", stamp,
	    level, pid, worker, id, method, route, path, q->status, q->ms,
	    client, db, more);
	return buf;
}

#define LOGFN(name, pri)				\
void							\
name(const char *fmt, ...)				\
{							\
	va_list	ap;					\
							\
	va_start(ap, fmt);				\
	vlog(pri, fmt, ap);				\
	va_end(ap);					\
}
LOGFN(log_crit, LOG_CRIT)
LOGFN(log_err, LOG_ERR)
LOGFN(log_warn, LOG_WARNING)
LOGFN(log_info, LOG_INFO)
LOGFN(log_debug, LOG_DEBUG)

char *
log_escape(char *buf, size_t sz, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		 i, o = 0;
	unsigned char	 c;

	if (sz == 0)
		return buf;
	for (i = 0; i < len && s[i] != '\0'; i++) {
		c = (unsigned char)s[i];
		if (o + 8 >= sz) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c > 0x7e || c == '\\' || c == '"') {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

char *
log_oneline(char *buf, size_t sz, const char *s)
{
	size_t	o = 0;
	bool	blank = false;

	if (sz == 0)
		return buf;
	for (; *s != '\0' && o + 1 < sz; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t' || *s == ' ') {
			blank = o > 0;
			continue;
		}
		if (blank && o + 2 < sz)
			buf[o++] = ' ';
		blank = false;
		buf[o++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	}
	buf[o] = '\0';
	return buf;
}

/* Seconds on the monotonic clock, from 1 (rl_hit() wants now > 0). */
static long
mono_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec + 1;
}

static struct rl_slot *
table(void)
{
	return shared_table != NULL ? shared_table : own_table;
}

void
log_share(struct rl_slot *tab)
{
	shared_table = tab;
}

/* Write line at pri as vlog() would. */
static void
put(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/*
 * May a line of kind be written now?  -1: no (it was counted); else how
 * many lines of its kind were dropped before it, with *key, *slot and
 * *start for remember().
 */
static long
admit(const char *kind, uint64_t *key, size_t *slot, long *start)
{
	*key = rl_key(kind);
	*start = 0;
	return rl_hit(table(), RL_SLOTS, *key, mono_now(), LOG_QUIET, slot,
	    start);
}

/* Remember a line written by admit()'s leave, for log_tick(). */
static void
remember(int pri, size_t slot, uint64_t key, long start, const char *line)
{
	size_t	i, use = 0;
	pid_t	me = log_pid();

	/* A free entry, or the oldest. */
	for (i = 0; i < LOG_OPENED; i++) {
		if (opened[i].opened == 0 || opened[i].pid != me) {
			use = i;
			break;
		}
		if (opened[i].opened < opened[use].opened)
			use = i;
	}
	opened[use].pid = me;
	opened[use].slot = slot;
	opened[use].key = key;
	opened[use].opened = start;
	opened[use].pri = pri;
	snprintf(opened[use].line, sizeof(opened[use].line), "%s", line);
}

void
log_limited(int pri, const char *kind, const char *fmt, ...)
{
	va_list		 ap;
	char		 line[256];
	uint64_t	 key;
	size_t		 slot;
	long		 dropped, start;

	if (pri == LOG_DEBUG && !log_debugging)
		return;
	if ((dropped = admit(kind, &key, &slot, &start)) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (dropped > 0)
		put(pri, "%s [and %ld more like it before]", line, dropped);
	else
		put(pri, "%s", line);
	remember(pri, slot, key, start, line);
}

void
log_request(int pri, const char *kind, const struct log_request *q)
{
	char		 line[512], json[1400], stamp[40];
	uint64_t	 key = 0;
	size_t		 slot = 0;
	long		 dropped = 0, start = 0;

	if (pri == LOG_DEBUG && !log_debugging)
		return;
	if (kind != NULL && (dropped = admit(kind, &key, &slot, &start)) < 0)
		return;
	snprintf(line, sizeof(line), "%s %s %s %d %.1fms", q->id, q->method,
	    q->path, q->status, q->ms);
	if (log_json) {
		stamp_now(stamp, sizeof(stamp));
		emit(pri, log_json_request(json, sizeof(json), stamp,
		    level_names[pri], log_pid(), q, dropped));
	} else if (dropped > 0)
		put(pri, "%s [and %ld more like it before]", line, dropped);
	else
		put(pri, "%s", line);
	if (kind != NULL)
		remember(pri, slot, key, start, line);
}

static void
forked(void)
{
	self_pid = 0;
}

int
log_pid(void)
{
	static bool	registered;

	if (!registered) {
		registered = true;
		(void)pthread_atfork(NULL, NULL, forked);
	}
	if (self_pid == 0)
		self_pid = (int)getpid();
	return self_pid;
}

void
log_tick(void)
{
	long	now = mono_now(), n;
	pid_t	me = log_pid();
	size_t	i;

	for (i = 0; i < LOG_OPENED; i++) {
		if (opened[i].opened == 0 || opened[i].pid != me)
			continue;
		n = rl_closed(table(), opened[i].slot, opened[i].key,
		    opened[i].opened, now, LOG_QUIET);
		if (n < 0)
			continue;
		if (n > 0)
			put(opened[i].pri, "%s [repeated %ld more times in %d s]",
			    opened[i].line, n, LOG_QUIET);
		opened[i].opened = 0;
	}
}
