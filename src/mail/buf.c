/* signet: a growing string, for composing mail.  ISC licence. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "mail/buf.h"

void
buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

/* Append a formatted string; exits like xmalloc when memory runs out. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1) {
		log_crit("out of memory formatting a mail");
		exit(1);
	}
	buf_add(b, s, (size_t)n);
	free(s);
}

/* The buffer's string, owned by the caller (never NULL). */
char *
buf_take(struct buf *b)
{
	char	*s;

	s = b->s != NULL ? b->s : xstrdup("");
	memset(b, 0, sizeof(*b));
	return s;
}
