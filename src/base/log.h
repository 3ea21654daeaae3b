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
 * Copy at most len bytes of s into buf (size sz) with every byte outside
 * printable ASCII, and the backslash and double quote, written as \xNN.
 * Truncates with "..." if needed; always NUL-terminates.  Returns buf.
 */
char	*log_escape(char *buf, size_t sz, const char *s, size_t len);

#endif
