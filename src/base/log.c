/* signet: logging to stderr or syslog.  ISC licence, see README. */
#include "config.h"

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
static int		 log_debugging;
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

static void
vlog(int pri, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		[LOG_CRIT] = "crit", [LOG_ERR] = "error",
		[LOG_WARNING] = "warning", [LOG_INFO] = "info",
		[LOG_DEBUG] = "debug",
	};
	char		 line[2048], stamp[32], out[2200];
	int		 n;
	struct tm	 tm;
	time_t		 now;

	if (pri == LOG_DEBUG && !log_debugging)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One call, one line, whatever the text passed in holds. */
	for (n = 0; line[n] != '\0'; n++)
		if (line[n] == '\n' || line[n] == '\r')
			line[n] = ' ';
	if (log_syslog) {
		syslog(pri, "%s", line);
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/*
	 * One write(2) per line keeps lines whole when workers share stderr
	 * (dprintf(3) would also fstat and lseek on every call).
	 */
	n = snprintf(out, sizeof(out), "%s %s[%d] %s: %s\n", stamp, log_ident,
	    (int)getpid(), names[pri], line);
	if (n > (int)sizeof(out) - 1) {
		n = (int)sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	(void)write(STDERR_FILENO, out, (size_t)n);
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

void
log_limited(int pri, const char *kind, const char *fmt, ...)
{
	va_list		 ap;
	char		 line[256];
	uint64_t	 key = rl_key(kind);
	size_t		 slot, i, use = 0;
	long		 dropped, start = 0;
	pid_t		 me;

	if (pri == LOG_DEBUG && !log_debugging)
		return;
	dropped = rl_hit(table(), RL_SLOTS, key, mono_now(), LOG_QUIET, &slot,
	    &start);
	if (dropped < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (dropped > 0)
		put(pri, "%s [and %ld more like it before]", line, dropped);
	else
		put(pri, "%s", line);
	/* Remember it for log_tick(): a free entry, or the oldest. */
	me = getpid();
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
log_tick(void)
{
	long	now = mono_now(), n;
	pid_t	me = getpid();
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
