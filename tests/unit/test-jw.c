/* Unit tests: the JSON writer writes what json-c writes of the same tree. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/jw.h"

/* json-c's text of o, which it puts. */
static char *
jsonc(struct json_object *o)
{
	char	*s = strdup(json_object_to_json_string_ext(o, JW_JSONC_FLAGS));

	json_object_put(o);
	return s;
}

/* The strings both must write alike: every escape json-c has, and none. */
static const struct {
	const char	*s;
	size_t		 len;	/* 0: strlen(s) */
} texts[] = {
	{ "", 0 },
	{ "plain", 0 },
	{ "a\"b\\c", 0 },
	{ "a/b</script>", 0 },				/* no slash escape */
	{ "\b\f\n\r\t", 0 },
	{ "\x01\x02\x1f\x7f", 0 },
	{ "\0", 1 },					/* NUL: \u0000 */
	{ "a\0b", 3 },
	{ "\xc3\xa9t\xc3\xa9", 0 },			/* UTF-8 as it is */
	{ "\xf0\x9f\x98\x80", 0 },
	{ "\xff\xfe", 0 },				/* and bytes that are not */
	{ "\xe2\x80\xa8 \xe2\x80\xa9", 0 },		/* U+2028, U+2029 */
};

START_TEST(string_table)
{
	size_t		 len = texts[_i].len ? texts[_i].len : strlen(texts[_i].s);
	struct jw	 w;
	char		*got, *want;
	size_t		 n;

	jw_init(&w);
	jw_strn(&w, texts[_i].s, len);
	got = jw_done(&w, &n);
	want = jsonc(json_object_new_string_len(texts[_i].s, (int)len));
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(n, strlen(want));
	free(got);
	free(want);

	/* the same as a key */
	if (memchr(texts[_i].s, '\0', len) == NULL) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, texts[_i].s, json_object_new_int(1));
		want = jsonc(o);
		jw_init(&w);
		jw_open(&w, '{');
		jw_key(&w, texts[_i].s);
		jw_int(&w, 1);
		jw_close(&w, '}');
		got = jw_done(&w, &n);
		ck_assert_str_eq(got, want);
		free(got);
		free(want);
	}
}
END_TEST

/* Every byte value, in strings of random bytes. */
START_TEST(string_random)
{
	char		 s[64];
	struct jw	 w;
	char		*got, *want;
	size_t		 n, len;
	unsigned	 seed = 17;
	int		 i;

	for (i = 0; i < 2000; i++) {
		len = (size_t)rand_r(&seed) % sizeof(s);
		for (n = 0; n < len; n++)
			s[n] = (char)(rand_r(&seed) % 256);
		jw_init(&w);
		jw_strn(&w, s, len);
		got = jw_done(&w, &n);
		want = jsonc(json_object_new_string_len(s, (int)len));
		ck_assert_str_eq(got, want);
		free(got);
		free(want);
	}
}
END_TEST

/* Nesting, empty containers, the scalars, commas: one tree both ways. */
START_TEST(tree)
{
	struct json_object	*o, *a, *in;
	struct jw		 w;
	char			*got, *want, big[3000];
	size_t			 n;

	memset(big, 'x', sizeof(big) - 1);	/* past the first buffer */
	big[sizeof(big) - 1] = '\0';
	o = json_object_new_object();
	json_object_object_add(o, "success", json_object_new_boolean(1));
	json_object_object_add(o, "no", json_object_new_boolean(0));
	json_object_object_add(o, "none", NULL);
	json_object_object_add(o, "empty", json_object_new_object());
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_array());
	json_object_array_add(a, json_object_new_string("x"));
	json_object_array_add(a, json_object_new_int64(-9007199254740993LL));
	in = json_object_new_object();
	json_object_object_add(in, "k", json_object_new_string(big));
	json_object_object_add(in, "l", json_object_new_array());
	json_object_array_add(a, in);
	json_object_object_add(o, "list", a);
	json_object_object_add(o, "n", json_object_new_int64(0));
	want = jsonc(o);

	jw_init(&w);
	jw_open(&w, '{');
	jw_key(&w, "success");
	jw_bool(&w, true);
	jw_key(&w, "no");
	jw_bool(&w, false);
	jw_key(&w, "none");
	jw_str(&w, NULL);
	jw_key(&w, "empty");
	jw_open(&w, '{');
	jw_close(&w, '}');
	jw_key(&w, "list");
	jw_open(&w, '[');
	jw_open(&w, '[');
	jw_close(&w, ']');
	jw_str(&w, "x");
	jw_int(&w, -9007199254740993LL);
	jw_open(&w, '{');
	jw_key(&w, "k");
	jw_str(&w, big);
	jw_key(&w, "l");
	jw_raw(&w, "[]", 2);
	jw_close(&w, '}');
	jw_close(&w, ']');
	jw_key(&w, "n");
	jw_int(&w, 0);
	jw_close(&w, '}');
	got = jw_done(&w, &n);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_ptr_null(w.out.buf);
	free(got);
	free(want);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("jw");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, string_table, 0, sizeof(texts) / sizeof(texts[0]));
	tcase_add_test(tc, string_random);
	tcase_add_test(tc, tree);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
