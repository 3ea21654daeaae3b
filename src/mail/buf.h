/* signet: a growing string, for composing mail.  ISC licence. */
#ifndef SIGNET_MAIL_BUF_H
#define SIGNET_MAIL_BUF_H

#include <stddef.h>

/*
 * A growing string: b owns s, always NUL-terminated once anything was
 * added.  Start from { 0 }.  The buf_add*() functions append; like the
 * xmalloc family they never fail (out of memory: log and exit).
 */
struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

void	 buf_add(struct buf *, const char *p, size_t n);
void	 buf_adds(struct buf *, const char *s);
void	 buf_addc(struct buf *, char c);
void	 buf_printf(struct buf *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The buffer's string, owned by the caller (never NULL); b is reset. */
char	*buf_take(struct buf *);

#endif
