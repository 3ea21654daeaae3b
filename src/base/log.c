/* signet: logging to stderr or syslog.  ISC licence, see README. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

static int		 log_syslog;
static int		 log_debugging;
static const char	*log_ident = "signet";

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
