/* signet: Prometheus' text exposition format, written.  ISC licence. */
#ifndef SIGNET_BASE_EXPO_H
#define SIGNET_BASE_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "base/xmalloc.h"

/*
 * The text format of Prometheus (version 0.0.4, what every scraper reads):
 *
 *	# HELP signet_requests_total Requests answered.
 *	# TYPE signet_requests_total counter
 *	signet_requests_total{route="login",status="200"} 7
 *
 * Written by hand, as HAProxy and nginx's VTS module do: Debian has no
 * maintained C client library, and this is a page of code.  Metric and
 * label names are the caller's constants; label values may be anything
 * and are escaped (backslash, double quote, line feed).  A label list is
 * NULL-terminated name, value pairs; NULL for none.
 */
struct expo {
	struct xbuf	out;	/* the text so far, owned */
};

/* Empty, ready to write; expo_free() releases it (and may take buf). */
void	 expo_init(struct expo *);
void	 expo_free(struct expo *);

/* The HELP (escaped) and TYPE lines that open a family. */
void	 expo_family(struct expo *, const char *name, const char *type,
	    const char *help);

/* One sample line: name{labels} value. */
void	 expo_uint(struct expo *, const char *name, const char *const *labels,
	    uint64_t v);
void	 expo_double(struct expo *, const char *name,
	    const char *const *labels, double v);

/*
 * A histogram's lines: name_bucket{labels,le="..."} for each of the
 * nbounds bounds and +Inf, from cum (nbounds + 1 cumulative counts, the
 * last the total), then name_sum and name_count (that total).
 */
void	 expo_histogram(struct expo *, const char *name,
	    const char *const *labels, const double *bounds, size_t nbounds,
	    const uint64_t *cum, double sum);

/*
 * Append v as a label value: backslash, double quote and line feed are
 * escaped, anything else goes as it is.
 */
void	 expo_label_value(struct expo *, const char *v);

#endif
