/*
 * Unit tests: TOTP codes against RFC 6238's own vectors (SHA-1, cut to 6
 * digits), the window of one step either side, base32, the otpauth URI,
 * sealing, and the QR code's SVG.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/totp.h"

/* RFC 6238 appendix B: the SHA-1 key is the ASCII of "1234567890" twice. */
static const unsigned char rfc_key[TOTP_SECRET_LEN] = "12345678901234567890";

static const struct {
	long long	 t;
	const char	*code;		/* the last 6 of the RFC's 8 digits */
} vectors[] = {
	{ 59, "287082" },
	{ 1111111109, "081804" },
	{ 1111111111, "050471" },
	{ 1234567890, "005924" },
	{ 2000000000, "279037" },
	{ 20000000000LL, "353130" },
};

START_TEST(rfc_vectors)
{
	char	code[7];

	totp_code(rfc_key, vectors[_i].t / TOTP_STEP, code);
	ck_assert_str_eq(code, vectors[_i].code);
	/* Its step, and one either side, accept it; two away do not. */
	ck_assert_int_eq(totp_match(rfc_key, vectors[_i].code,
	    (time_t)vectors[_i].t), vectors[_i].t / TOTP_STEP);
	ck_assert_int_eq(totp_match(rfc_key, vectors[_i].code,
	    (time_t)vectors[_i].t + TOTP_STEP), vectors[_i].t / TOTP_STEP);
	ck_assert_int_eq(totp_match(rfc_key, vectors[_i].code,
	    (time_t)vectors[_i].t - TOTP_STEP), vectors[_i].t / TOTP_STEP);
	ck_assert_int_eq(totp_match(rfc_key, vectors[_i].code,
	    (time_t)vectors[_i].t + 2 * TOTP_STEP), -1);
}
END_TEST

static const char *const not_codes[] = {
	"", "28708", "2870822", "28708a", " 287082", "287082 ", "+28708",
	"-28708", "２８７０８２",
};

START_TEST(malformed_codes)
{
	ck_assert_int_eq(totp_match(rfc_key, not_codes[_i], 59), -1);
}
END_TEST

START_TEST(base32_and_uri)
{
	char	*b32, *uri;

	b32 = totp_base32(rfc_key);
	ck_assert_str_eq(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	uri = totp_uri("My Site", "ann+1@x", b32);
	ck_assert_str_eq(uri, "otpauth://totp/My%20Site:ann%2B1%40x?secret="
	    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=30&digits=6&"
	    "algorithm=SHA1&issuer=My%20Site");
	free(uri);
	free(b32);
}
END_TEST

START_TEST(seal_open)
{
	unsigned char			 key[40] = "a key of forty bytes for the test, long";
	unsigned char			 sealed[TOTP_SEALED_LEN], again[TOTP_SEALED_LEN];
	unsigned char			 out[TOTP_SECRET_LEN];

	totp_seal(key, sizeof(key), "gid-1", rfc_key, sealed);
	ck_assert_int_eq(totp_open(key, sizeof(key), "gid-1", sealed,
	    sizeof(sealed), out), 0);
	ck_assert_mem_eq(out, rfc_key, TOTP_SECRET_LEN);
	/* A fresh nonce each time. */
	totp_seal(key, sizeof(key), "gid-1", rfc_key, again);
	ck_assert(memcmp(sealed, again, sizeof(sealed)) != 0);
	/* Another user, another key, a flipped bit, a short record: no. */
	ck_assert_int_eq(totp_open(key, sizeof(key), "gid-2", sealed,
	    sizeof(sealed), out), -1);
	key[0] ^= 1;
	ck_assert_int_eq(totp_open(key, sizeof(key), "gid-1", sealed,
	    sizeof(sealed), out), -1);
	key[0] ^= 1;
	sealed[20] ^= 1;
	ck_assert_int_eq(totp_open(key, sizeof(key), "gid-1", sealed,
	    sizeof(sealed), out), -1);
	ck_assert_int_eq(totp_open(key, sizeof(key), "gid-1", again,
	    sizeof(again) - 1, out), -1);
}
END_TEST

START_TEST(qr_svg)
{
	char	*svg;

	svg = totp_qr_svg("otpauth://totp/signet:ann?secret=GEZDGNBVGY3TQOJQ");
	ck_assert_ptr_nonnull(svg);
	ck_assert(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"",
	    39) == 0);
	ck_assert_ptr_nonnull(strstr(svg, "fill=\"currentColor\""));
	ck_assert_ptr_nonnull(strstr(svg, "M4 4h1v1h-1z"));	/* finder corner */
	ck_assert(strcmp(svg + strlen(svg) - 6, "</svg>") == 0);
	free(svg);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("totp");
	TCase	*tc = tcase_create("pure");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, rfc_vectors, 0,
	    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_loop_test(tc, malformed_codes, 0,
	    sizeof(not_codes) / sizeof(not_codes[0]));
	tcase_add_test(tc, base32_and_uri);
	tcase_add_test(tc, seal_open);
	tcase_add_test(tc, qr_svg);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
