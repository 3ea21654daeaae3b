/* Unit tests: username, email and password rules. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "core/code.h"
#include "core/validate.h"

#define X16	"xxxxxxxxxxxxxxxx"
#define X64	X16 X16 X16 X16
#define A21	"aaaaaaaaaaaaaaaaaaaaa"
#define A63	A21 A21 A21
#define B21	"bbbbbbbbbbbbbbbbbbbbb"
#define B63	B21 B21 B21
#define C61	"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static const struct {
	const char	*in;
	bool		 ok;
	const char	*why;	/* substring of the reason when refused */
} users[] = {
	{ "bob", true, NULL },
	{ "alice", true, NULL },
	{ "ABC", true, NULL },
	{ "123", true, NULL },
	{ "0ab", true, NULL },
	{ "a.b", true, NULL },
	{ "a_b", true, NULL },
	{ "a-b", true, NULL },
	{ "john.doe-99_x", true, NULL },
	{ "abc.", true, NULL },
	{ "a..b", true, NULL },
	{ X64, true, NULL },
	{ NULL, false, "3 to 64" },
	{ "", false, "3 to 64" },
	{ "a", false, "3 to 64" },
	{ "ab", false, "3 to 64" },
	{ X64 "x", false, "3 to 64" },
	{ ".abc", false, "start with a letter or digit" },
	{ "_abc", false, "start with a letter or digit" },
	{ "-abc", false, "start with a letter or digit" },
	{ "ab c", false, "only letters, digits" },
	{ " abc", false, "only letters, digits" },
	{ "abc!", false, "only letters, digits" },
	{ "ab@c", false, "only letters, digits" },
	{ "ab/c", false, "only letters, digits" },
	{ "ab\\c", false, "only letters, digits" },
	{ "abc\t", false, "only letters, digits" },
	{ "abc\n", false, "only letters, digits" },
	{ "j\xc3\xb6hn", false, "only letters, digits" },
	{ "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd", false, "only letters" },
	{ "ab+c", false, "only letters, digits" },
};

START_TEST(username_table)
{
	const char	*why = NULL;
	bool		 ok;

	ok = validate_username(users[_i].in, &why);
	ck_assert_msg(ok == users[_i].ok, "row %d: \"%s\"", _i,
	    users[_i].in ? users[_i].in : "(null)");
	if (!ok)
		ck_assert_msg(why != NULL && strstr(why, users[_i].why) != NULL,
		    "row %d: reason \"%s\"", _i, why ? why : "(null)");
}
END_TEST

static const struct {
	const char	*in;
	bool		 ok;
	const char	*why;
} emails[] = {
	{ "a@b.co", true, NULL },
	{ "user@example.com", true, NULL },
	{ "User@EXAMPLE.COM", true, NULL },
	{ "first.last+tag@sub.example.org", true, NULL },
	{ "o'brien@example.ie", true, NULL },
	{ "x@xn--bcher-kva.example", true, NULL },
	{ "user@b\xc3\xbc" "cher.de", true, NULL },
	{ "\xc3\xbcser@example.com", true, NULL },
	{ "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe4\xb8\xad"
	    "\xe5\x9b\xbd", true, NULL },
	{ "a@1.2.3.com", true, NULL },
	{ "a@example.c0m", true, NULL },
	{ "a@my-host.example", true, NULL },
	{ "a@" A63 ".com", true, NULL },
	{ X64 "@example.com", true, NULL },
	{ X64 "@" A63 "." B63 "." C61, true, NULL },	/* 254 */
	{ NULL, false, "email address" },
	{ "", false, "email address" },
	/* U+24AD maps to "(r)" under UTS #46: no label may hold it (fuzz) */
	{ "kateU@B\xe2\x92\xad" "fcr.gal-2", false, "IDNA" },
	/* U+FF0E, a full stop IDNA turns into '.', leaving an empty label */
	{ "a@x\xef\xbc\x8e.com", false, "IDNA" },
	{ X64 "@" A63 "." B63 "." C61 "c", false, "at most 254" },
	{ "plainaddress", false, "exactly one '@'" },
	{ "a@b@c.com", false, "exactly one '@'" },
	{ "user@@example.com", false, "exactly one '@'" },
	{ "@example.com", false, "1 to 64" },
	{ X64 "x@example.com", false, "1 to 64" },
	{ "user name@example.com", false, "spaces" },
	{ " user@example.com", false, "spaces" },
	{ "user\t@example.com", false, "spaces" },
	{ "us\x7f" "er@example.com", false, "control" },
	{ "us\xc2\x85" "er@example.com", false, "control" },
	{ "user@", false, "dot" },
	{ "user@example", false, "dot" },
	{ "user@localhost", false, "dot" },
	{ "user@.example.com", false, "valid domain" },
	{ "user@example..com", false, "valid domain" },
	{ "user@example.com.", false, "valid domain" },
	{ "user@-example.com", false, "valid domain" },
	{ "user@example-.com", false, "valid domain" },
	{ "user@example.-com", false, "valid domain" },
	{ "user@exa_mple.com", false, "valid domain" },
	{ "user@exam ple.com", false, "valid domain" },
	{ "user@example.com\n", false, "valid domain" },
	{ "user@[1.2.3.4]", false, "valid domain" },
	{ "user@1.2.3.4", false, "valid domain" },
	{ "user@example.123", false, "valid domain" },
	{ "user@" A63 "a.com", false, "valid domain" },
	{ "us\xff" "er@example.com", false, "UTF-8" },
	/* RFC 5321 dot-atoms before the '@' (issue 12.10) */
	{ "a!#$%&'*+-/=?^_`{|}~z@example.com", true, NULL },
	{ "a<b@example.com", false, "( ) < >" },
	{ "a>b@example.com", false, "( ) < >" },
	{ "a(b)@example.com", false, "( ) < >" },
	{ "a,b@example.com", false, "( ) < >" },
	{ "a;b@example.com", false, "( ) < >" },
	{ "a:b@example.com", false, "( ) < >" },
	{ "\"ab\"@example.com", false, "( ) < >" },
	{ "a[b]@example.com", false, "( ) < >" },
	{ "a\\b@example.com", false, "( ) < >" },
	{ ".ab@example.com", false, "dot" },
	{ "ab.@example.com", false, "dot" },
	{ "a..b@example.com", false, "dot" },
	{ "a.b.c@example.com", true, NULL },
	/* IDNA: what cannot be written in ASCII is refused */
	{ "a@\xe2\x98\x83.example", false, "IDNA" },	/* U+2603 snowman */
	{ "a@\xc3\x9f.example", true, NULL },		/* sharp s, kept */
	{ "user@exampl\xc3.com", false, "UTF-8" },
	{ "user@\xed\xa0\x80.com", false, "UTF-8" },
};

/* What an address is stored and compared as. */
static const struct {
	const char	*in, *norm;
} norms[] = {
	{ "User@EXAMPLE.COM", "User@example.com" },
	{ "x@B\xc3\xbc" "cher.DE", "x@xn--bcher-kva.de" },
	{ "x@xn--bcher-kva.de", "x@xn--bcher-kva.de" },
	/* U+0130 is not "i": the domain is another one (issue 12.9). */
	{ "bob@b\xc4\xb0gcorp.com", "bob@xn--bigcorp-7he.com" },
	{ "\xc3\xbc@example.com", "\xc3\xbc@example.com" },
	{ "a@\xc3\x9f.example", "a@xn--zca.example" },
};

START_TEST(email_norm_table)
{
	const char	*why = NULL;
	char		*n = NULL;

	ck_assert_msg(validate_email(norms[_i].in, &n, &why), "%s: %s",
	    norms[_i].in, why ? why : "");
	ck_assert_str_eq(n, norms[_i].norm);
	free(n);
}
END_TEST

static const struct {
	const char	*in, *out;
} logins[] = {
	{ "ann", "ann" },
	{ "Ann@Example.ORG", "Ann@example.org" },
	{ "not an @ address", "not an @ address" },
};

START_TEST(login_table)
{
	char	*l;

	l = validate_login(logins[_i].in);
	ck_assert_str_eq(l, logins[_i].out);
	free(l);
}
END_TEST

/* validate_link(): link_prefixes = "https://app.example.org myapp:// http://h.example/p/" */
static const struct {
	const char	*url;
	bool		 ok;
} links[] = {
	{ "https://app.example.org", true },
	{ "https://app.example.org/activate?x=1", true },
	{ "https://app.example.org?x", true },
	{ "https://app.example.org#/a", true },
	{ "https://app.example.org.evil.example/", false },	/* no boundary */
	{ "https://app.example.orgx/", false },
	{ "http://app.example.org/", false },
	{ "myapp://anything", true },
	{ "myappx://anything", false },
	{ "http://h.example/p/q", true },				/* prefix ends with / */
	{ "http://h.example/pq", false },
	{ "javascript://app.example.org", false },		/* not a URL we mail */
};

START_TEST(link_table)
{
	static char	*prefixes[] = { "https://app.example.org", "myapp://",
	    "http://h.example/p/", NULL };
	static struct conf c;
	const char	*why = NULL;

	memset(&c, 0, sizeof(c));
	c.links = prefixes;
	cf = &c;
	ck_assert_msg(validate_link(links[_i].url, &why) == links[_i].ok, "%s",
	    links[_i].url);
	ck_assert(links[_i].ok || why != NULL);
}
END_TEST

START_TEST(email_table)
{
	const char	*why = NULL;
	bool		 ok;

	ok = validate_email(emails[_i].in, NULL, &why);
	ck_assert_msg(ok == emails[_i].ok, "row %d: \"%s\"", _i,
	    emails[_i].in ? emails[_i].in : "(null)");
	if (!ok)
		ck_assert_msg(why != NULL &&
		    strstr(why, emails[_i].why) != NULL,
		    "row %d: reason \"%s\"", _i, why ? why : "(null)");
}
END_TEST

#define PASSPHRASE64 \
	"the mountains whisper secrets to the patient river at dawn today"

static const struct {
	const char	*pw;
	const char	*user;
	const char	*email;
	long		 min;
	bool		 ok;
	const char	*why;
} pws[] = {
	{ "correct horse battery staple", "alice", "alice@example.com", 3,
	    true, NULL },
	{ "Tr0ub4dor&3", "alice", "alice@example.com", 3, true, NULL },
	{ PASSPHRASE64, "alice", "alice@example.com", 4, true, NULL },
	{ "bw9-Kd4x", NULL, NULL, 3, true, NULL },	/* 8 characters */
	{ "bw9-Kd4", NULL, NULL, 0, false, "at least 8" },	/* 7 */
	{ "password", "alice", "alice@example.com", 3, false, "guess" },
	{ "password", "alice", "alice@example.com", 0, true, NULL },
	{ "password1", NULL, NULL, 1, false, "guess" },
	{ "P@ssw0rd", NULL, NULL, 1, false, "guess" },
	{ "Password123!", NULL, NULL, 2, false, "guess" },
	{ "iloveyou1", NULL, NULL, 3, false, "guess" },
	{ "qwertyuiop", NULL, NULL, 3, false, "guess" },
	{ "12345678", NULL, NULL, 1, false, "guess" },
	{ "aaaaaaaa", NULL, NULL, 1, false, "guess" },
	{ "1qaz2wsx3edc", NULL, NULL, 3, false, "guess" },
	{ "summer2023", NULL, NULL, 3, false, "guess" },
	{ "", NULL, NULL, 0, false, "at least 8" },
	{ NULL, NULL, NULL, 0, false, "at least 8" },
	{ "abcdefg", NULL, NULL, 0, false, "at least 8" },
	/* code points, not bytes */
	{ "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c" "12", NULL, NULL,
	    3, true, NULL },				/* пароль12: 8 */
	{ "\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c" "1", NULL, NULL,
	    0, false, "at least 8" },			/* 7, 13 bytes */
	{ "\xe5\xaf\x86\xe7\xa0\x81\xe5\xaf\x86\xe7\xa0\x81\xe5\xaf\x86\xe7"
	    "\xa0\x81\xe5\xaf\x86", NULL, NULL, 0, false, "at least 8" },
	{ "\xe6\x88\x91\xe7\x9a\x84\xe5\xaf\x86\xe7\xa0\x81\xe5\xbe\x88\xe5"
	    "\xae\x89\xe5\x85\xa8\xe5\x90\x97", NULL, NULL, 3, true, NULL },
	{ "mot de passe tr\xc3\xa8s s\xc3\xbbr", "alice", "alice@example.com",
	    3, true, NULL },
	{ "\xf0\x9f\x94\x91\xf0\x9f\x8c\x8a\xf0\x9f\x90\x99\xf0\x9f\x8d\x95"
	    "\xf0\x9f\x9a\x80\xf0\x9f\x8e\xb8\xf0\x9f\x8c\xb5\xf0\x9f\xa7\x80",
	    NULL, NULL, 3, true, NULL },		/* 8 emoji */
	/* invalid UTF-8 */
	{ "\xff\xfe passw0rd long", NULL, NULL, 0, false, "UTF-8" },
	{ "\xc0\xaf" "abcdefghij", NULL, NULL, 0, false, "UTF-8" },
	{ "\xe0\x80\xaf" "abcdefghij", NULL, NULL, 0, false, "UTF-8" },
	{ "\xed\xa0\x80" "abcdefghij", NULL, NULL, 0, false, "UTF-8" },
	{ "\xf4\x90\x80\x80" "abcdefghij", NULL, NULL, 0, false, "UTF-8" },
	{ "abcdefghij\xe2\x82", NULL, NULL, 0, false, "UTF-8" },
	{ "abcdefghij\x80", NULL, NULL, 0, false, "UTF-8" },
	/* the username or the email's local part inside */
	{ "my alice is great 2024", "alice", "a@example.com", 0, false,
	    "username" },
	{ "MY ALICE IS GREAT 2024", "alice", "a@example.com", 0, false,
	    "username" },
	{ "alice", "alice", NULL, 0, false, "at least 8" },
	{ "zorglub-rules-the-moon", "Zorglub", NULL, 0, false, "username" },
	{ "al is my strong passphrase", "al", NULL, 3, true, NULL },
	{ "bob.smith rocks hard 99", "bsmith", "bob.smith@example.com", 0,
	    false, "email" },
	{ "go BOB.SMITH go far away", "bsmith", "bob.smith@example.com", 0,
	    false, "email" },
	{ "jo went far away today", "bsmith", "jo@example.com", 3, true, NULL },
	{ "x\xc3\xbc" "a is in my long passphrase", "bsmith",
	    "\xc3\xbc" "a@example.com", 3, true, NULL },	/* 2 chars */
	{ "x\xc3\xbc" "AB is in my long passphrase", "bsmith",
	    "\xc3\xbc" "ab@example.com", 0, false, "email" },
	{ "example.com is my passphrase", "bsmith", "jo@example.com", 0, true,
	    NULL },
	/* a user word weakens the score: "kxqvbnmt" alone is score 3 */
	{ "kxqvbnmt", NULL, NULL, 3, true, NULL },
	{ "kxqvbnm7!", NULL, NULL, 3, true, NULL },
	{ "kxqvbnm7!", "kxqvbnmt", NULL, 3, false, "guess" },	/* leet */
	{ "kxqv8nmt", "kxqvbnmt", NULL, 1, false, "guess" },
	{ "1984kxqvbnmt", NULL, "kxqvbnmt@example.com", 3, false, "email" },
};

START_TEST(password_table)
{
	const char	*why = NULL;
	bool		 ok;

	ok = validate_password(pws[_i].pw, pws[_i].user, pws[_i].email,
	    pws[_i].min, &why);
	ck_assert_msg(ok == pws[_i].ok, "row %d: \"%s\" (%s)", _i,
	    pws[_i].pw ? pws[_i].pw : "(null)", why ? why : "passed");
	if (!ok)
		ck_assert_msg(why != NULL && strstr(why, pws[_i].why) != NULL,
		    "row %d: reason \"%s\"", _i, why ? why : "(null)");
}
END_TEST

/* 1024 bytes of passphrase pass; 1025 do not. */
/* password_min_length_single_factor: 15 for a password used alone. */
START_TEST(single_factor_length)
{
	static struct conf	 c;
	const char		*why = NULL;
	const char		*pw = "ember-fjord-92";	/* 14 characters */

	memset(&c, 0, sizeof(c));
	c.password_min_length_single_factor = 15;
	cf = &c;
	ck_assert_int_eq(password_min_length(false), 15);
	ck_assert_int_eq(password_min_length(true), 8);
	ck_assert(!validate_password(pw, NULL, NULL, 0, &why));
	ck_assert_str_eq(why, "must be at least 15 characters");
	ck_assert(validate_password_len(pw, NULL, NULL, 0,
	    password_min_length(true), &why));
	ck_assert(validate_password("ember-fjord-921", NULL, NULL, 0, &why));
	/* Unset (a unit test's zeroed conf): 8, as before. */
	c.password_min_length_single_factor = 0;
	ck_assert_int_eq(password_min_length(false), 8);
	cf = NULL;
}
END_TEST

START_TEST(password_lengths)
{
	static const char	*words[] = { "quartz ", "ember ", "lantern ",
	    "fjord ", "mosaic ", "thimble ", "orchid ", "gravel " };
	char			 pw[1100];
	const char		*why;
	size_t			 n = 0, i = 0, l;

	while (n < 1024) {
		l = strlen(words[i % 8]);
		if (l > 1024 - n)
			l = 1024 - n;
		memcpy(pw + n, words[i % 8], l);
		n += l;
		i += 3;
	}
	pw[1024] = '\0';
	ck_assert(validate_password(pw, "alice", "alice@example.com", 4,
	    &why));
	pw[1024] = 'x';
	pw[1025] = '\0';
	ck_assert(!validate_password(pw, "alice", "alice@example.com", 0,
	    &why));
	ck_assert_ptr_nonnull(strstr(why, "1024 bytes"));

	/* 1024 bytes of one letter: long, but guessable */
	memset(pw, 'a', 1024);
	pw[1024] = '\0';
	ck_assert(!validate_password(pw, NULL, NULL, 3, &why));
	ck_assert_ptr_nonnull(strstr(why, "guess"));

	/* 512 two-byte characters: 512 code points, 1024 bytes */
	for (i = 0; i < 512; i++) {
		pw[2 * i] = (char)0xd0;
		pw[2 * i + 1] = (char)(0xb0 + (i * 7) % 16);
	}
	pw[1024] = '\0';
	ck_assert(validate_password(pw, NULL, NULL, 3, &why));
}
END_TEST

static const struct {
	const char	*pw;
	int		 score;
} scores[] = {
	{ "password", 0 },
	{ "12345678", 0 },
	{ "qwertyuiop", 1 },
	{ "summer2023", 1 },
	{ "1qaz2wsx3edc", 2 },
	{ "kxqvbnmt", 3 },
	{ "correct horse battery staple", 4 },
	{ "Tr0ub4dor&3", 4 },
};

START_TEST(strength_table)
{
	ck_assert_int_eq(password_strength(scores[_i].pw, NULL),
	    scores[_i].score);
}
END_TEST

START_TEST(strength_user_words)
{
	const char *const	 none[] = { NULL };
	const char *const	 mine[] = { "kxqvbnmt", NULL };

	ck_assert_int_eq(password_strength("kxqvbnmt", none), 3);
	ck_assert_int_eq(password_strength("kxqvbnmt", mine), 0);
	ck_assert_int_ge(password_strength(PASSPHRASE64, mine), 4);
}
END_TEST

static const struct {
	const char	*url;
	bool		 ok;
} urls[] = {
	{ "http://sample.com?confirm=true", true },
	{ "http://sample.com/ok", true },
	{ "HTTPS://Sample.COM:8443/a/b?c#d", true },
	{ "http://127.0.0.1:8080/activate", true },
	{ "http://localhost/activate", true },
	{ "http://[::1]:8080/x", true },
	{ "http://b\xc3\xbc" "cher.example/", true },
	{ "myapp://activate", true },
	{ "myapp://", true },
	{ "com.example.app+x://a?b", true },
	/* BEdita's own refusals */
	{ "/activate", false },
	{ "https://activate", false },
	{ "", false },
	{ "activate", false },
	{ "http:/x.example", false },
	{ "http://", false },
	{ "http://.example.com", false },
	{ "http://example.com.", false },
	{ "http://a..example", false },
	{ "http://user@evil.example/", false },
	{ "http://a.example:/", false },
	{ "http://a.example:123456/", false },
	{ "http://a.example:80x/", false },
	{ "http://[]/", false },
	{ "http://[::1]x/", false },
	{ "http://a_b.example/", false },
	{ "http://a.example/ b", false },
	{ "http://a.example/\r\nBcc: x", false },
	{ "http://a.example/\t", false },
	{ "javascript://%0aalert(1)", false },
	{ "JavaScript://x", false },
	{ "data://text/html,x", false },
	{ "vbscript://x", false },
	{ "file:///etc/passwd", false },
	{ "1app://x", false },
	{ "my app://x", false },
};

START_TEST(url_table)
{
	const char	*why = NULL;

	ck_assert_msg(validate_url(urls[_i].url, &why) == urls[_i].ok,
	    "%s: expected %s", urls[_i].url, urls[_i].ok ? "ok" : "refused");
	ck_assert(urls[_i].ok || (why != NULL && *why != '\0'));
}
END_TEST

START_TEST(url_length)
{
	const char	*why;
	char		*u;
	size_t		 n = VALIDATE_URL_MAX;

	u = malloc(n + 2);
	ck_assert_ptr_nonnull(u);
	memcpy(u, "https://a.example/", 18);
	memset(u + 18, 'x', n - 18);
	u[n] = '\0';
	ck_assert(validate_url(u, &why));
	u[n] = 'x';
	u[n + 1] = '\0';
	ck_assert(!validate_url(u, &why));
	free(u);
}
END_TEST

/* Full names: any script, at most 200 characters, no controls. */
static const struct {
	const char	*in;
	bool		 ok;
} names[] = {
	{ "Ann Example", true },
	{ "Zoë Ångström", true },
	{ "\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e", true },
	{ "x", true },
	{ "", false },
	{ "tab\there", false },
	{ "new\nline", false },
	{ "del\x7f", false },
	{ "bad \xc3\x28 utf-8", false },
	{ "overlong \xc0\xaf", false },
};

START_TEST(name_table)
{
	const char	*why = NULL;

	ck_assert_msg(validate_name(names[_i].in, &why) == names[_i].ok,
	    "row %d", _i);
}
END_TEST

START_TEST(name_lengths)
{
	char		 buf[2 * 201 + 1];
	const char	*why;
	size_t		 i;

	/* 200 two-byte characters pass, 201 do not: characters, not bytes. */
	for (i = 0; i < 200; i++)
		memcpy(buf + 2 * i, "\xc3\xa9", 2);
	buf[400] = '\0';
	ck_assert(validate_name(buf, &why));
	memcpy(buf + 400, "\xc3\xa9", 2);
	buf[402] = '\0';
	ck_assert(!validate_name(buf, &why));
}
END_TEST

/* Zone names: the syntax always; this host's tz database when it has one. */
static const struct {
	const char	*in;
	bool		 ok;
} zones[] = {
	{ "Europe/Amsterdam", true },
	{ "UTC", true },
	{ "America/Argentina/Buenos_Aires", true },
	{ "Etc/GMT+1", true },
	{ "", false },
	{ "/etc/passwd", false },
	{ "../etc/passwd", false },
	{ "Europe/../../etc/passwd", false },
	{ "Europe/", false },
	{ "Europe//Amsterdam", false },
	{ "Europe/Amster dam", false },
	{ "Europe/Amsterdam\n", false },
	{ "Mars/Olympus_Mons", false },
	{ "zone.tab", false },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	    false },
};

START_TEST(zone_table)
{
	const char	*why = NULL;
	bool		 ok;

	ok = validate_timezone(zones[_i].in, &why);
	ck_assert_msg(ok == zones[_i].ok, "row %d: \"%s\"", _i, zones[_i].in);
	if (!ok)
		ck_assert_ptr_nonnull(why);
}
END_TEST

static const struct {
	const char	*s;
	bool		 ok;
} gids[] = {
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c3301", true },
	{ "3F2504E0-4F89-41D3-9A0C-0305E82C3301", true },
	{ "00000000-0000-0000-0000-000000000000", true },
	{ "", false },
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c330", false },	/* short */
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c33011", false },	/* long */
	{ "3f2504e04f8941d39a0c0305e82c3301", false },		/* no hyphens */
	{ "3f2504e0-4f89-41d3-9a0c_0305e82c3301", false },
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c330g", false },
	{ "{3f2504e0-4f89-41d3-9a0c-0305e82c33}", false },
	{ "3f2504e0-4f89-41d3-9a0c-0305e82c33'1", false },
	{ "x' OR '1'='1", false },
	{ "3f2504e0 4f89 41d3 9a0c 0305e82c3301", false },
};

START_TEST(gid_table)
{
	ck_assert_msg(validate_gid(gids[_i].s) == gids[_i].ok, "%s",
	    gids[_i].s);
}
END_TEST

START_TEST(gid_null_and_generated)
{
	char	u[37];
	int	i;

	ck_assert(!validate_gid(NULL));
	for (i = 0; i < 100; i++) {
		code_uuid(u);
		ck_assert(validate_gid(u));
	}
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("validate");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, username_table, 0,
	    sizeof(users) / sizeof(users[0]));
	tcase_add_loop_test(tc, email_table, 0,
	    sizeof(emails) / sizeof(emails[0]));
	tcase_add_loop_test(tc, password_table, 0,
	    sizeof(pws) / sizeof(pws[0]));
	tcase_add_test(tc, password_lengths);
	tcase_add_test(tc, single_factor_length);
	tcase_add_loop_test(tc, strength_table, 0,
	    sizeof(scores) / sizeof(scores[0]));
	tcase_add_test(tc, strength_user_words);
	tcase_add_loop_test(tc, url_table, 0, sizeof(urls) / sizeof(urls[0]));
	tcase_add_test(tc, url_length);
	tcase_add_loop_test(tc, email_norm_table, 0,
	    sizeof(norms) / sizeof(norms[0]));
	tcase_add_loop_test(tc, login_table, 0,
	    sizeof(logins) / sizeof(logins[0]));
	tcase_add_loop_test(tc, link_table, 0, sizeof(links) / sizeof(links[0]));
	tcase_add_loop_test(tc, gid_table, 0, sizeof(gids) / sizeof(gids[0]));
	tcase_add_test(tc, gid_null_and_generated);
	tcase_add_loop_test(tc, name_table, 0, sizeof(names) / sizeof(names[0]));
	tcase_add_test(tc, name_lengths);
	tcase_add_loop_test(tc, zone_table, 0, sizeof(zones) / sizeof(zones[0]));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
