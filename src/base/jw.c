/* signet: JSON written straight into a buffer.  ISC licence, see README. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/jw.h"
#include "base/xmalloc.h"

static void
put(struct jw *w, const char *s, size_t n)
{
	xbuf_put(&w->out, s, n);
}

/* Before a value or a key: the comma, if one came before it. */
static void
sep(struct jw *w)
{
	if (w->comma)
		put(w, ",", 1);
	w->comma = false;
}

/* s (n bytes) quoted, escaped as json-c escapes it. */
static void
quoted(struct jw *w, const char *s, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*run = s, *end = s + n;
	char			 esc[6];
	unsigned char		 c;

	put(w, "\"", 1);
	for (; s < end; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, run, (size_t)(s - run));
		run = s + 1;
		esc[0] = '\\';
		switch (c) {
		case '\b': esc[1] = 'b'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\f': esc[1] = 'f'; break;
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			put(w, esc, 6);
			continue;
		}
		put(w, esc, 2);
	}
	put(w, run, (size_t)(end - run));
	put(w, "\"", 1);
}

void
jw_init(struct jw *w)
{
	memset(w, 0, sizeof(*w));
	w->out.buf = xmalloc(w->out.cap = 1024);
	w->out.buf[0] = '\0';
}

void
jw_open(struct jw *w, char brace)
{
	sep(w);
	put(w, &brace, 1);
}

void
jw_close(struct jw *w, char brace)
{
	put(w, &brace, 1);
	w->comma = true;
}

void
jw_key(struct jw *w, const char *key)
{
	sep(w);
	quoted(w, key, strlen(key));
	put(w, ":", 1);
}

void
jw_strn(struct jw *w, const char *s, size_t n)
{
	sep(w);
	quoted(w, s, n);
	w->comma = true;
}

void
jw_str(struct jw *w, const char *s)
{
	if (s == NULL)
		jw_raw(w, "null", 4);
	else
		jw_strn(w, s, strlen(s));
}

void
jw_int(struct jw *w, long long v)
{
	char	buf[24];
	int	n;

	n = snprintf(buf, sizeof(buf), "%lld", v);
	jw_raw(w, buf, (size_t)n);
}

void
jw_bool(struct jw *w, bool v)
{
	if (v)
		jw_raw(w, "true", 4);
	else
		jw_raw(w, "false", 5);
}

void
jw_raw(struct jw *w, const char *json, size_t n)
{
	sep(w);
	put(w, json, n);
	w->comma = true;
}

void
jw_strings(struct jw *w, const char *const *key, const char *const *value,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		jw_key(w, key[i]);
		jw_str(w, value[i]);
	}
}

char *
jw_done(struct jw *w, size_t *len)
{
	char	*s = w->out.buf;

	*len = w->out.len;
	memset(w, 0, sizeof(*w));
	return s;
}
