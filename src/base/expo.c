/* signet: Prometheus' text exposition format, written.  ISC licence. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/expo.h"
#include "base/xmalloc.h"

void
expo_init(struct expo *e)
{
	memset(e, 0, sizeof(*e));
	xbuf_put(&e->out, "", 0);
}

void
expo_free(struct expo *e)
{
	free(e->out.buf);
	memset(e, 0, sizeof(*e));
}

/* Append the n bytes at s. */
static void
put(struct expo *e, const char *s, size_t n)
{
	xbuf_put(&e->out, s, n);
}

/* Append the string s. */
static void
str(struct expo *e, const char *s)
{
	put(e, s, strlen(s));
}

/* Append what fmt makes: short things only (a name, a number), cut at 127. */
static void __attribute__((format(printf, 2, 3)))
putf(struct expo *e, const char *fmt, ...)
{
	va_list	ap;
	char	buf[128];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(e, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

/*
 * Append s with backslash and line feed escaped, and the double quote
 * too when quote (label values; HELP text keeps it).
 */
static void
escaped(struct expo *e, const char *s, int quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			str(e, "\\\\");
		else if (*s == '\n')
			str(e, "\\n");
		else if (*s == '"' && quote)
			str(e, "\\\"");
		else
			put(e, s, 1);
	}
}

void
expo_label_value(struct expo *e, const char *v)
{
	escaped(e, v, 1);
}

void
expo_family(struct expo *e, const char *name, const char *type,
    const char *help)
{
	putf(e, "# HELP %s ", name);
	escaped(e, help, 0);
	putf(e, "\n# TYPE %s %s\n", name, type);
}

/* name{labels[,le="le"]} with no value yet. */
static void
head(struct expo *e, const char *name, const char *suffix,
    const char *const *labels, const char *le)
{
	size_t	i;
	int	any = 0;

	str(e, name);
	str(e, suffix);
	for (i = 0; labels != NULL && labels[i] != NULL &&
	    labels[i + 1] != NULL; i += 2) {
		str(e, any++ ? "," : "{");
		str(e, labels[i]);
		str(e, "=\"");
		expo_label_value(e, labels[i + 1]);
		str(e, "\"");
	}
	if (le != NULL) {
		str(e, any++ ? "," : "{");
		putf(e, "le=\"%s\"", le);
	}
	if (any)
		str(e, "}");
	str(e, " ");
}

/*
 * A float as the format wants it: +Inf, -Inf, NaN; a whole number as one;
 * else to the microsecond (what the histograms keep).
 */
static void
number(struct expo *e, double v)
{
	if (isnan(v))
		str(e, "NaN");
	else if (isinf(v))
		str(e, v > 0 ? "+Inf" : "-Inf");
	else if (v > -9007199254740992.0 && v < 9007199254740992.0 &&
	    v == (double)(long long)v)
		putf(e, "%lld", (long long)v);
	else
		putf(e, "%.6f", v);
}

void
expo_uint(struct expo *e, const char *name, const char *const *labels,
    uint64_t v)
{
	head(e, name, "", labels, NULL);
	putf(e, "%llu\n", (unsigned long long)v);
}

void
expo_double(struct expo *e, const char *name, const char *const *labels,
    double v)
{
	head(e, name, "", labels, NULL);
	number(e, v);
	str(e, "\n");
}

void
expo_histogram(struct expo *e, const char *name, const char *const *labels,
    const double *bounds, size_t nbounds, const uint64_t *cum, double sum)
{
	char	le[32];
	size_t	i;

	for (i = 0; i <= nbounds; i++) {
		if (i < nbounds)
			snprintf(le, sizeof(le), "%g", bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		head(e, name, "_bucket", labels, le);
		putf(e, "%llu\n", (unsigned long long)cum[i]);
	}
	head(e, name, "_sum", labels, NULL);
	number(e, sum);
	str(e, "\n");
	head(e, name, "_count", labels, NULL);
	putf(e, "%llu\n", (unsigned long long)cum[nbounds]);
}
