/* Unit tests: random codes and MACs. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/code.h"
#include "base/conf.h"

static struct conf	c;

static void
setup(void)
{
	static unsigned char	 key[] = "Jefe";

	memset(&c, 0, sizeof(c));
	c.hmac_key = key;
	c.hmac_keylen = 4;
	cf = &c;
}

START_TEST(random_fills)
{
	unsigned char	 a[4096], b[4096];
	size_t		 i, zeros = 0;

	memset(a, 0, sizeof(a));
	ck_assert_int_eq(random_bytes(a, sizeof(a)), 0);
	ck_assert_int_eq(random_bytes(b, sizeof(b)), 0);
	ck_assert_int_eq(random_bytes(b, 0), 0);
	for (i = 0; i < sizeof(a); i++)
		zeros += a[i] == 0;
	ck_assert_uint_lt(zeros, 64);		/* ~16 expected */
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
}
END_TEST

START_TEST(token_shape)
{
	char	*t[200];
	size_t	 i, j;

	for (i = 0; i < 200; i++) {
		t[i] = code_token();
		ck_assert_uint_eq(strlen(t[i]), 24);
		ck_assert_uint_eq(strspn(t[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_"), 24);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(t[i], t[j]);
	}
	for (i = 0; i < 200; i++)
		free(t[i]);
}
END_TEST

START_TEST(digits_uniform)
{
	char	 d[7];
	long	 count[6][10];
	int	 i, k, n = 20000;

	memset(count, 0, sizeof(count));
	for (i = 0; i < n; i++) {
		memset(d, 'x', sizeof(d));
		code_digits(d);
		ck_assert_uint_eq(strlen(d), 6);
		ck_assert_uint_eq(strspn(d, "0123456789"), 6);
		for (k = 0; k < 6; k++)
			count[k][d[k] - '0']++;
	}
	/* each digit of each position ~2000 times; 6 sigma is ~255 */
	for (k = 0; k < 6; k++)
		for (i = 0; i < 10; i++)
			ck_assert_msg(count[k][i] > 1650 && count[k][i] < 2350,
			    "position %d digit %d: %ld", k, i, count[k][i]);
}
END_TEST

START_TEST(uuid_shape)
{
	char	 u[37], v[37];
	int	 i;

	code_uuid(u);
	code_uuid(v);
	ck_assert_str_ne(u, v);
	ck_assert_uint_eq(strlen(u), 36);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			ck_assert_int_eq(u[i], '-');
		else
			ck_assert_ptr_nonnull(strchr("0123456789abcdef", u[i]));
	}
	ck_assert_int_eq(u[14], '4');
	ck_assert_ptr_nonnull(strchr("89ab", u[19]));
}
END_TEST

START_TEST(mac_rfc4231)
{
	static const unsigned char	 want[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
		0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	unsigned char	 mac[32];
	char		 hex[67];

	/* RFC 4231 test case 2 */
	code_mac("what do ya want for nothing?", mac);
	ck_assert_mem_eq(mac, want, 32);
	memset(hex, 'z', sizeof(hex));
	code_mac_hex("what do ya want for nothing?", hex);
	ck_assert_str_eq(hex, "\\x5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	ck_assert_int_eq(hex[0], '\\');
	ck_assert_int_eq(hex[1], 'x');
	ck_assert_uint_eq(strlen(hex), 66);

	/* another key, another MAC */
	c.hmac_key = (unsigned char *)"other key";
	c.hmac_keylen = 9;
	code_mac("what do ya want for nothing?", mac);
	ck_assert(!code_equal(mac, want, 32));
}
END_TEST

/*
 * A context is kept per key: the MAC under a key is the same after other
 * keys, more of them than it keeps, were used in between, and a key that
 * starts like a kept one is not taken for it.
 */
START_TEST(mac_keys_kept)
{
	static const unsigned char	 want[32] = {	/* RFC 4231 case 2 */
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
		0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	static const char	 msg[] = "what do ya want for nothing?";
	unsigned char		 mac[32], first[8][32], again[32];
	char			 key[16];
	int			 i, round;

	for (round = 0; round < 3; round++) {
		code_hmac256("Jefe", 4, msg, sizeof(msg) - 1, mac);
		ck_assert_mem_eq(mac, want, 32);
		code_hmac256("Jefex", 5, msg, sizeof(msg) - 1, mac);
		ck_assert(!code_equal(mac, want, 32));
		code_hmac256("Jef", 3, msg, sizeof(msg) - 1, mac);
		ck_assert(!code_equal(mac, want, 32));
		for (i = 0; i < 8; i++) {
			snprintf(key, sizeof(key), "key %d", i);
			code_hmac256(key, strlen(key), msg, sizeof(msg) - 1,
			    round == 0 ? first[i] : again);
			if (round > 0)
				ck_assert_mem_eq(again, first[i], 32);
			if (i > 0)
				ck_assert(!code_equal(first[i], first[i - 1],
				    32));
		}
	}
	/* the empty key, as a zero-length buffer and as NULL */
	code_hmac256("", 0, msg, sizeof(msg) - 1, mac);
	code_hmac256(NULL, 0, msg, sizeof(msg) - 1, again);
	ck_assert_mem_eq(mac, again, 32);
	ck_assert(!code_equal(mac, want, 32));
}
END_TEST

START_TEST(equal)
{
	ck_assert(code_equal("abcdef", "abcdef", 6));
	ck_assert(!code_equal("abcdef", "abcdeg", 6));
	ck_assert(!code_equal("xbcdef", "abcdef", 6));
	ck_assert(code_equal("a", "b", 0));
}
END_TEST

static const struct {
	const char	*in;
	size_t		 len;
	const char	*out;
} b64[] = {
	{ "", 0, "" },
	{ "f", 1, "Zg" },
	{ "fo", 2, "Zm8" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg" },
	{ "fooba", 5, "Zm9vYmE" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xfb\xff", 2, "-_8" },
	{ "\xff\xff\xff", 3, "____" },
	{ "\0\0\0", 3, "AAAA" },
};

START_TEST(b64url_table)
{
	char	 out[32];

	ck_assert_uint_eq(CODE_B64URL_LEN(b64[_i].len), strlen(b64[_i].out));
	ck_assert_str_eq(code_b64url(out, b64[_i].in, b64[_i].len),
	    b64[_i].out);
}
END_TEST

/* The same table decodes back; and what must not decode. */
START_TEST(b64url_decode_table)
{
	unsigned char	 out[32];
	size_t		 n = 99;

	ck_assert_int_eq(code_b64url_decode(b64[_i].out, strlen(b64[_i].out),
	    out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, b64[_i].len);
	ck_assert_mem_eq(out, b64[_i].in, n);
}
END_TEST

static const char *const b64_bad[] = {
	"Z",		/* a length that no byte string has */
	"Zh",		/* stray low bits: not canonical */
	"Zm9=",		/* padding is not base64url */
	"Zm+v",		/* base64's alphabet, not base64url's */
	"Zm 9v",
	"Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy", /* 36 > 32 bytes */
};

START_TEST(b64url_decode_bad)
{
	unsigned char	out[32];
	size_t		n;

	ck_assert_int_eq(code_b64url_decode(b64_bad[_i], strlen(b64_bad[_i]),
	    out, sizeof(out), &n), -1);
}
END_TEST

/* Standard, padded base64, as libscrypt writes it. */
static const struct {
	const char	*in;
	const char	*out;		/* NULL: refused */
	size_t		 len;
} b64std[] = {
	{ "", "", 0 },
	{ "Zg==", "f", 1 },
	{ "Zm8=", "fo", 2 },
	{ "Zm9vYmFy", "foobar", 6 },
	{ "+/8=", "\xfb\xff", 2 },
	{ "Zm9vYg=", NULL, 0 },		/* not a multiple of 4 */
	{ "-_8=", NULL, 0 },		/* base64url's alphabet */
	{ "Zh==", NULL, 0 },		/* stray low bits */
};

START_TEST(b64_std_table)
{
	unsigned char	out[16];
	size_t		n = 99;
	int		rc;

	rc = code_b64_decode(b64std[_i].in, strlen(b64std[_i].in), out,
	    sizeof(out), &n);
	if (b64std[_i].out == NULL)
		ck_assert_int_eq(rc, -1);
	else {
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(n, b64std[_i].len);
		ck_assert_mem_eq(out, b64std[_i].out, n);
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("code");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, random_fills);
	tcase_add_test(tc, token_shape);
	tcase_add_test(tc, digits_uniform);
	tcase_add_test(tc, uuid_shape);
	tcase_add_test(tc, mac_rfc4231);
	tcase_add_test(tc, mac_keys_kept);
	tcase_add_test(tc, equal);
	tcase_add_loop_test(tc, b64url_table, 0, sizeof(b64) / sizeof(b64[0]));
	tcase_add_loop_test(tc, b64url_decode_table, 0,
	    sizeof(b64) / sizeof(b64[0]));
	tcase_add_loop_test(tc, b64url_decode_bad, 0,
	    sizeof(b64_bad) / sizeof(b64_bad[0]));
	tcase_add_loop_test(tc, b64_std_table, 0,
	    sizeof(b64std) / sizeof(b64std[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
