/* signet: allocation that never returns NULL.  ISC licence, see README. */
#ifndef SIGNET_XMALLOC_H
#define SIGNET_XMALLOC_H

#include <stddef.h>

/*
 * Each of these returns memory the caller owns and frees with free(3).
 * On exhaustion they log and exit(1): the master respawns the worker, which
 * is better than threading ENOMEM through every request path.
 */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * Overwrite the len bytes at p, then free(3) it: for what held a password,
 * a code, a link's secret or a token.  NULL is fine.
 */
void	 xfreezero(void *p, size_t len);

/*
 * Text that grows as it is written: len bytes in buf (cap allocated),
 * always NUL-terminated.  Zeroed, it is empty; xbuf_put() appends n bytes
 * at s.  buf is the writer's to free.
 */
struct xbuf {
	char	*buf;
	size_t	 len, cap;
};

void	 xbuf_put(struct xbuf *, const void *s, size_t n);

#endif
