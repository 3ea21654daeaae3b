/*
 * Unit tests: the Prometheus text writer (base/expo.c) and the shared
 * histograms (base/metrics.c): escaping of label values and HELP text,
 * sample lines, the buckets, _sum and _count of a histogram.  ISC licence.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/expo.h"
#include "base/metrics.h"

/* Label values as written between the double quotes. */
static const struct {
	const char	*in, *out;
} values[] = {
	{ "login", "login" },
	{ "", "" },
	{ "a\"b", "a\\\"b" },
	{ "back\\slash", "back\\\\slash" },
	{ "two\nlines", "two\\nlines" },
	{ "\\\"\n", "\\\\\\\"\\n" },
	{ "tab\tand\rcr", "tab\tand\rcr" },	/* only \, " and LF escape */
	{ "caf\xc3\xa9", "caf\xc3\xa9" },	/* UTF-8 as it is */
	{ "{x=\"1\"}", "{x=\\\"1\\\"}" },
};

START_TEST(label_values)
{
	struct expo	e;

	expo_init(&e);
	expo_label_value(&e, values[_i].in);
	ck_assert_str_eq(e.out.buf, values[_i].out);
	expo_free(&e);
}
END_TEST

/* Whole sample and family lines. */
static const char *const none[] = { NULL };
static const char *const route[] = { "route", "login", "status", "200", NULL };
static const char *const odd[] = { "kind", "a\"b\\c\nd", NULL };

static const struct {
	const char		*name;
	const char *const	*labels;
	int			 is_double;
	uint64_t		 u;
	double			 d;
	const char		*want;
} samples[] = {
	{ "signet_up", NULL, 0, 1, 0, "signet_up 1\n" },
	{ "signet_up", none, 0, 0, 0, "signet_up 0\n" },
	{ "signet_requests_total", route, 0, 18446744073709551615ULL, 0,
	    "signet_requests_total{route=\"login\",status=\"200\"} "
	    "18446744073709551615\n" },
	{ "signet_throttle_hits_total", odd, 0, 3, 0,
	    "signet_throttle_hits_total{kind=\"a\\\"b\\\\c\\nd\"} 3\n" },
	{ "g", NULL, 1, 0, 2.5, "g 2.500000\n" },
	{ "g", NULL, 1, 0, 42, "g 42\n" },
	{ "g", NULL, 1, 0, -0.000001, "g -0.000001\n" },
	{ "g", NULL, 1, 0, INFINITY, "g +Inf\n" },
	{ "g", NULL, 1, 0, -INFINITY, "g -Inf\n" },
	{ "g", NULL, 1, 0, NAN, "g NaN\n" },
};

START_TEST(sample_lines)
{
	struct expo	e;

	expo_init(&e);
	if (samples[_i].is_double)
		expo_double(&e, samples[_i].name, samples[_i].labels,
		    samples[_i].d);
	else
		expo_uint(&e, samples[_i].name, samples[_i].labels,
		    samples[_i].u);
	ck_assert_str_eq(e.out.buf, samples[_i].want);
	expo_free(&e);
}
END_TEST

START_TEST(family_lines)
{
	struct expo	e;

	expo_init(&e);
	expo_family(&e, "signet_x_total", "counter",
	    "Things \"quoted\", a \\ and\na second line.");
	ck_assert_str_eq(e.out.buf,
	    "# HELP signet_x_total Things \"quoted\", a \\\\ and\\na second "
	    "line.\n# TYPE signet_x_total counter\n");
	expo_free(&e);
}
END_TEST

START_TEST(histogram_lines)
{
	static const double	 bounds[] = { 0.005, 0.1, 1 };
	static const uint64_t	 cum[] = { 2, 5, 5, 7 };
	static const char *const l[] = { "route", "health", NULL };
	struct expo		 e;

	expo_init(&e);
	expo_histogram(&e, "signet_request_duration_seconds", l, bounds, 3,
	    cum, 4.25);
	ck_assert_str_eq(e.out.buf,
	    "signet_request_duration_seconds_bucket{route=\"health\","
	    "le=\"0.005\"} 2\n"
	    "signet_request_duration_seconds_bucket{route=\"health\","
	    "le=\"0.1\"} 5\n"
	    "signet_request_duration_seconds_bucket{route=\"health\","
	    "le=\"1\"} 5\n"
	    "signet_request_duration_seconds_bucket{route=\"health\","
	    "le=\"+Inf\"} 7\n"
	    "signet_request_duration_seconds_sum{route=\"health\"} 4.250000\n"
	    "signet_request_duration_seconds_count{route=\"health\"} 7\n");
	expo_free(&e);
	/* No labels: le alone. */
	expo_init(&e);
	expo_histogram(&e, "h", NULL, bounds, 1, cum, 0);
	ck_assert_str_eq(e.out.buf, "h_bucket{le=\"0.005\"} 2\n"
	    "h_bucket{le=\"+Inf\"} 5\nh_sum 0\nh_count 5\n");
	expo_free(&e);
}
END_TEST

/* Observations into the shared histogram: where each lands. */
static const struct {
	double		 seconds;
	size_t		 bucket;	/* index into mx_bounds; MX_BUCKETS: +Inf */
} landings[] = {
	{ 0, 0 }, { -1, 0 }, { 0.001, 0 }, { 0.0010001, 1 }, { 0.2, 7 },
	{ 1, 9 }, { 29.9, 13 }, { 30, 13 }, { 31, MX_BUCKETS },
	{ 1e9, MX_BUCKETS },
};

START_TEST(histogram_buckets)
{
	struct mx_hist	h;
	struct mx_snap	s;
	size_t		i;

	memset(&h, 0, sizeof(h));
	mx_hist_add(&h, landings[_i].seconds);
	mx_hist_read(&h, &s);
	for (i = 0; i <= MX_BUCKETS; i++)
		ck_assert_msg(s.n[i] == (i >= landings[_i].bucket ? 1u : 0u),
		    "%g: bucket %zu holds %llu", landings[_i].seconds, i,
		    (unsigned long long)s.n[i]);
}
END_TEST

START_TEST(histogram_sum)
{
	struct mx_hist	h;
	struct mx_snap	s;

	memset(&h, 0, sizeof(h));
	mx_hist_add(&h, 0.25);
	mx_hist_add(&h, 0.000125);
	mx_hist_add(&h, 2);
	mx_hist_read(&h, &s);
	ck_assert_uint_eq(s.n[MX_BUCKETS], 3);
	ck_assert(fabs(s.sum - 2.250125) < 1e-9);
}
END_TEST

/* Without a region, counting does nothing (and does not crash). */
START_TEST(no_region)
{
	struct metrics	*m;

	mx_share(NULL);
	mx_inc(MX_DB_ERRORS);
	mx_request(1, 1, 0.1);
	mx_event(1, 1, 1);
	mx_observe(MX_HASH_SECONDS, 0.1);
	ck_assert_ptr_null(mx_region());
	m = calloc(1, sizeof(*m));
	ck_assert_ptr_nonnull(m);
	mx_share(m);
	mx_inc(MX_DB_ERRORS);
	mx_request(MX_ROUTES, 0, 0.1);		/* out of range: ignored */
	mx_request(3, 2, 0.1);
	mx_event(2, 3, 1);
	mx_throttle(MX_THROTTLES);
	ck_assert_uint_eq(mx_get(&m->counters[MX_DB_ERRORS]), 1);
	ck_assert_uint_eq(mx_get(&m->requests[3][2]), 1);
	ck_assert_uint_eq(mx_get(&m->events[2][3][1]), 1);
	mx_share(NULL);
	free(m);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("expo");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, label_values, 0,
	    sizeof(values) / sizeof(values[0]));
	tcase_add_loop_test(tc, sample_lines, 0,
	    sizeof(samples) / sizeof(samples[0]));
	tcase_add_test(tc, family_lines);
	tcase_add_test(tc, histogram_lines);
	tcase_add_loop_test(tc, histogram_buckets, 0,
	    sizeof(landings) / sizeof(landings[0]));
	tcase_add_test(tc, histogram_sum);
	tcase_add_test(tc, no_region);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
