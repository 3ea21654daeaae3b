/* Unit tests: mail templates, message composition, languages. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conf.h"
#include "mail/lang.h"
#include "mail/message.h"
#include "mail/template.h"
#include "base/xmalloc.h"

static char	 srcdir_templates[1024];

static const char *const all_langs[] = { "en", "nl", "de", "es", "fr" };
static const char *const all_names[] = { "signup_code", "reset_code",
    "password_changed", "invite", "activation", "confirm" };

/* Every variable any template may use. */
static const struct mail_var all_vars[] = {
	{ "username", "ann" },
	{ "code", "123456" },
	{ "minutes", "15" },
	{ "hours", "24" },
	{ "project", "Atlas" },
	{ "inviter", "bob" },
	{ "decline_url", "https://x.example/decline/abc" },
	{ "link", "https://x.example/activate/abc" },
};
#define NALL	(sizeof(all_vars) / sizeof(all_vars[0]))

static void
use_templates(const char *dir)
{
	free(cf->templates_dir);
	cf->templates_dir = xstrdup(dir);
	template_cache_clear();
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A scratch templates dir with en/ (and the given other languages). */
static char *
scratch_dir(void)
{
	static char	dir[64];
	char		p[128];

	strcpy(dir, "/tmp/signet-test-mail-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/en", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/fr", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	return dir;
}

static void
rm_scratch(const char *dir)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Does text hold line as a whole line (between line ends)? */
static bool
has_line(const char *text, const char *line)
{
	const char	*p;
	size_t		 n = strlen(line);

	for (p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') &&
		    (p[n] == '\n' || p[n] == '\0' ||
		    (p[n] == '\r' && p[n + 1] == '\n')))
			return true;
	return false;
}

/* ------------------------------------------------------------ decoding */

static int
b64val(int c)
{
	const char	*t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const char	*p;

	p = c ? strchr(t, c) : NULL;
	return p ? (int)(p - t) : -1;
}

/* Decode base64 s[0..n) onto the end of out. */
static void
b64dec(char *out, const char *s, size_t n)
{
	size_t		 i, o = strlen(out);
	unsigned	 v = 0;
	int		 bits = 0, d;

	for (i = 0; i < n && s[i] != '='; i++) {
		d = b64val((unsigned char)s[i]);
		ck_assert_int_ge(d, 0);
		v = (v << 6) | (unsigned)d;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
}

/* Is s well-formed UTF-8 (loosely: lead and continuation bytes agree)? */
static bool
utf8_whole(const unsigned char *s)
{
	int	n;

	while (*s) {
		if (*s < 0x80)
			n = 0;
		else if ((*s & 0xe0) == 0xc0)
			n = 1;
		else if ((*s & 0xf0) == 0xe0)
			n = 2;
		else if ((*s & 0xf8) == 0xf0)
			n = 3;
		else
			return false;
		for (s++; n > 0; n--, s++)
			if ((*s & 0xc0) != 0x80)
				return false;
	}
	return true;
}

/*
 * The unfolded, decoded value of header name in msg, into out.  Every
 * encoded-word must hold whole UTF-8 characters.
 */
static void
header_value(const char *msg, const char *name, char *out, size_t sz)
{
	char		 raw[4096], word[512];
	const char	*p, *e, *end;
	size_t		 n = 0, nl;

	snprintf(word, sizeof(word), "\r\n%s: ", name);
	if (strncmp(msg, word + 2, strlen(word + 2)) == 0)
		p = msg + strlen(word + 2);	/* the first header */
	else if ((p = strstr(msg, word)) != NULL)
		p += strlen(word);
	ck_assert_msg(p != NULL, "no %s header", name);
	/* Unfold: CRLF followed by whitespace is not a line end. */
	for (; !(p[0] == '\r' && p[1] == '\n' && p[2] != ' ' &&
	    p[2] != '\t'); p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			p++;
			continue;
		}
		ck_assert_uint_lt(n, sizeof(raw) - 1);
		raw[n++] = *p;
	}
	raw[n] = '\0';
	out[0] = '\0';
	if (strncmp(raw, "=?UTF-8?B?", 10) != 0) {
		ck_assert_uint_lt(n, sz);
		memcpy(out, raw, n + 1);
		return;
	}
	/* Encoded-words separated by whitespace (which then vanishes). */
	for (p = raw; *p != '\0'; p = end + 2) {
		while (*p == ' ')
			p++;
		ck_assert_msg(strncmp(p, "=?UTF-8?B?", 10) == 0, "%s", p);
		p += 10;
		end = strstr(p, "?=");
		ck_assert_ptr_nonnull(end);
		word[0] = '\0';
		b64dec(word, p, (size_t)(end - p));
		ck_assert_msg(utf8_whole((const unsigned char *)word),
		    "an encoded-word splits a character");
		nl = strlen(out);
		ck_assert_uint_lt(nl + strlen(word), sz);
		memcpy(out + nl, word, strlen(word) + 1);
		e = end + 2;
		if (*e == '\0')
			break;
	}
}

/* Decode the quoted-printable body of msg (after the blank line). */
static char *
qp_body(const char *msg)
{
	const char	*p;
	char		*out, *o, hex[3] = { 0 };

	p = strstr(msg, "\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	p += 4;
	o = out = xmalloc(strlen(p) + 1);
	while (*p != '\0') {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 3;		/* soft line break */
		} else if (p[0] == '=') {
			hex[0] = p[1];
			hex[1] = p[2];
			ck_assert(strspn(hex, "0123456789ABCDEF") == 2);
			*o++ = (char)strtol(hex, NULL, 16);
			p += 3;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* Every line ends in CRLF, none is longer than max octets. */
static void
check_lines(const char *msg, size_t max)
{
	const char	*p, *line = msg;

	for (p = msg; *p != '\0'; p++) {
		if (*p == '\r')
			ck_assert_msg(p[1] == '\n', "bare CR at %zu",
			    (size_t)(p - msg));
		if (*p == '\n') {
			ck_assert_msg(p > msg && p[-1] == '\r', "bare LF at %zu",
			    (size_t)(p - msg));
			ck_assert_msg((size_t)(p - 1 - line) <= max,
			    "line of %zu octets: %.*s", (size_t)(p - 1 - line),
			    (int)(p - 1 - line), line);
			line = p + 1;
		}
	}
	ck_assert_msg(line == p, "last line not terminated");
}

/* ----------------------------------------------------------- rendering */

START_TEST(render_signup_en)
{
	const struct mail_var	vars[] = { { "username", "ann" },
	    { "code", "042917" }, { "minutes", "15" } };
	char			*subject, *body;

	ck_assert_int_eq(template_render("signup_code", "en", vars, 3, &subject,
	    &body), 0);
	ck_assert_str_eq(subject, "Your verification code");
	ck_assert(has_line(body, "Hello ann,"));
	ck_assert(has_line(body, "042917"));
	ck_assert(strstr(body, "valid for 15 minutes") != NULL);
	ck_assert(strstr(body, "{{") == NULL);
	free(subject);
	free(body);
}
END_TEST

/* Every shipped template renders, in every language, with its code alone. */
START_TEST(render_all)
{
	const char	*lang = all_langs[_i / 6], *name = all_names[_i % 6];
	char		*subject, *body, *path;
	FILE		*f;

	/* The file itself exists: no fallback hides a missing one. */
	path = xasprintf("%s/%s/%s.txt", srcdir_templates, lang, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s missing", path);
	fclose(f);
	free(path);

	ck_assert_msg(template_render(name, lang, all_vars, NALL, &subject,
	    &body) == 0, "%s/%s", lang, name);
	ck_assert_msg(*subject != '\0' && strchr(subject, '\n') == NULL,
	    "%s/%s subject", lang, name);
	ck_assert_msg(strstr(subject, "{{") == NULL && strstr(body, "{{") ==
	    NULL, "%s/%s: placeholder left", lang, name);
	if (strstr(name, "code") != NULL)
		ck_assert_msg(has_line(body, "123456"),
		    "%s/%s: the code is not on a line of its own", lang, name);
	if (strcmp(name, "invite") == 0)
		ck_assert(has_line(body, "https://x.example/decline/abc"));
	if (strcmp(name, "activation") == 0 || strcmp(name, "confirm") == 0)
		ck_assert(has_line(body, "https://x.example/activate/abc"));
	if (strcmp(lang, "en") != 0) {
		/* Translated, not a copy of English. */
		char	*es, *eb;

		ck_assert_int_eq(template_render(name, "en", all_vars, NALL, &es,
		    &eb), 0);
		ck_assert_str_ne(subject, es);
		ck_assert_str_ne(body, eb);
		free(es);
		free(eb);
	}
	free(subject);
	free(body);
}
END_TEST

START_TEST(render_fallback)
{
	char	*subject, *body;

	/* No such language: English. */
	ck_assert_int_eq(template_render("reset_code", "xx", all_vars, NALL,
	    &subject, &body), 0);
	ck_assert_str_eq(subject, "Your password reset code");
	free(subject);
	free(body);
	/* A region falls back to its language. */
	ck_assert_int_eq(template_render("reset_code", "nl-BE", all_vars, NALL,
	    &subject, &body), 0);
	ck_assert_str_eq(subject, "Code om je wachtwoord opnieuw in te stellen");
	free(subject);
	free(body);
	/* No language, or a path-like one: default_language first. */
	free(cf->default_language);
	cf->default_language = xstrdup("de");
	ck_assert_int_eq(template_render("password_changed", NULL, all_vars, NALL,
	    &subject, &body), 0);
	ck_assert_str_eq(subject, "Ihr Passwort wurde ge\xc3\xa4ndert");
	free(subject);
	free(body);
	ck_assert_int_eq(template_render("password_changed", "../fr", all_vars,
	    NALL, &subject, &body), 0);
	ck_assert_str_eq(subject, "Ihr Passwort wurde ge\xc3\xa4ndert");
	free(subject);
	free(body);
	ck_assert_int_eq(template_render("password_changed", "xx", all_vars, NALL,
	    &subject, &body), 0);
	ck_assert_str_eq(subject, "Ihr Passwort wurde ge\xc3\xa4ndert");
	free(subject);
	free(body);
	/* A bad template name never becomes a path. */
	ck_assert_int_eq(template_render("../en/confirm", "en", all_vars, NALL,
	    &subject, &body), -1);
	ck_assert_ptr_null(subject);
	ck_assert_int_eq(template_render("nonexistent", "en", all_vars, NALL,
	    &subject, &body), -1);
}
END_TEST

START_TEST(render_unknown_placeholder)
{
	const struct mail_var	 vars[] = { { "username", "ann" },
	    { "code", "123456" } };
	char			*subject, *body, *dir, p[128];

	/* A variable the caller did not give (minutes). */
	ck_assert_int_eq(template_render("signup_code", "en", vars, 2, &subject,
	    &body), -1);
	ck_assert_ptr_null(subject);
	ck_assert_ptr_null(body);

	dir = scratch_dir();
	use_templates(dir);
	snprintf(p, sizeof(p), "%s/en/signup_code.txt", dir);
	write_file(p, "Subject: Hi {{username}}\n\nYour {{ code }} and "
	    "{{bogus}}.\n");
	ck_assert_int_eq(template_render("signup_code", "en", all_vars, NALL,
	    &subject, &body), -1);
	snprintf(p, sizeof(p), "%s/en/reset_code.txt", dir);
	write_file(p, "Subject: Hi\n\nunterminated {{code\n");
	ck_assert_int_eq(template_render("reset_code", "en", all_vars, NALL,
	    &subject, &body), -1);
	/* Spaces inside the braces are allowed. */
	snprintf(p, sizeof(p), "%s/en/confirm.txt", dir);
	write_file(p, "Subject: Hi {{username}}\r\n\r\nYour {{ code }}.\r\n");
	ck_assert_int_eq(template_render("confirm", "en", all_vars, NALL,
	    &subject, &body), 0);
	ck_assert_str_eq(subject, "Hi ann");
	ck_assert_str_eq(body, "Your 123456.\n");
	free(subject);
	free(body);
	rm_scratch(dir);
}
END_TEST

START_TEST(render_malformed_and_cache)
{
	const struct mail_var	 vars[] = { { "username", "a\nBcc: x" } };
	char			*subject, *body, *dir, p[128];

	dir = scratch_dir();
	use_templates(dir);
	snprintf(p, sizeof(p), "%s/en/signup_code.txt", dir);
	write_file(p, "Subject: English {{username}}\n\nbody\n");
	/* No Subject line: logged, and the next language is used. */
	snprintf(p, sizeof(p), "%s/fr/signup_code.txt", dir);
	write_file(p, "Bonjour\n\ncorps\n");
	ck_assert_int_eq(template_render("signup_code", "fr", vars, 1, &subject,
	    &body), 0);
	/* A line break in a value does not break the subject line. */
	ck_assert_str_eq(subject, "English a Bcc: x");
	free(subject);
	free(body);
	/* Not valid UTF-8. */
	write_file(p, "Subject: x\n\n\xc3\x28\n");
	ck_assert_int_eq(template_render("signup_code", "fr", vars, 1, &subject,
	    &body), 0);
	ck_assert_str_eq(subject, "English a Bcc: x");
	free(subject);
	free(body);
	/* Fixed: picked up, as broken files are not cached. */
	write_file(p, "Subject: Fran\xc3\xa7" "ais\n\ncorps\n");
	ck_assert_int_eq(template_render("signup_code", "fr", vars, 1, &subject,
	    &body), 0);
	ck_assert_str_eq(subject, "Fran\xc3\xa7" "ais");
	free(subject);
	free(body);
	/* Good files are cached: a change shows only after a clear. */
	write_file(p, "Subject: Nouveau\n\ncorps\n");
	ck_assert_int_eq(template_render("signup_code", "fr", vars, 1, &subject,
	    &body), 0);
	ck_assert_str_eq(subject, "Fran\xc3\xa7" "ais");
	free(subject);
	free(body);
	template_cache_clear();
	ck_assert_int_eq(template_render("signup_code", "fr", vars, 1, &subject,
	    &body), 0);
	ck_assert_str_eq(subject, "Nouveau");
	free(subject);
	free(body);
	rm_scratch(dir);
}
END_TEST

/* ----------------------------------------------------------- languages */

START_TEST(languages)
{
	const char *const	*codes;
	size_t			 n, i, j;
	char			*dir, p[128];
	unsigned long		 gen;

	/* The shipped five at least (more may come), sorted. */
	n = lang_list(&codes);
	gen = lang_generation();
	ck_assert_uint_eq(lang_generation(), gen);	/* no rescan */
	ck_assert_uint_ge(n, 5);
	for (i = 0; i < 5; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(codes[j], all_langs[i]) == 0)
				break;
		ck_assert_msg(j < n, "%s missing", all_langs[i]);
	}
	for (j = 1; j < n; j++)
		ck_assert_msg(strcmp(codes[j - 1], codes[j]) < 0, "not sorted");
	ck_assert(lang_ok("nl"));
	ck_assert(lang_ok("en"));
	ck_assert(!lang_ok("xx"));
	ck_assert(!lang_ok(""));
	ck_assert(!lang_ok(NULL));
	ck_assert_str_eq(lang_name("en"), "English");
	ck_assert_str_eq(lang_name("nl"), "Dutch");
	ck_assert_str_eq(lang_name("de"), "German");
	ck_assert_str_eq(lang_name("es"), "Spanish");
	ck_assert_str_eq(lang_name("fr"), "French");
	ck_assert_str_eq(lang_name("it"), "Italian");
	ck_assert_str_eq(lang_name("ja"), "Japanese");
	ck_assert_str_eq(lang_name("qq"), "qq");

	/* Only directories with a signup_code.txt count; rescanned when
	 * templates_dir changes. */
	dir = scratch_dir();
	snprintf(p, sizeof(p), "%s/fr/signup_code.txt", dir);
	write_file(p, "Subject: x\n\ny\n");
	snprintf(p, sizeof(p), "%s/en/confirm.txt", dir);
	write_file(p, "Subject: x\n\ny\n");
	free(cf->templates_dir);
	cf->templates_dir = xstrdup(dir);
	n = lang_list(&codes);
	ck_assert_uint_ne(lang_generation(), gen);	/* rescanned */
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(codes[0], "fr");
	ck_assert(!lang_ok("en"));
	rm_scratch(dir);
}
END_TEST

/* ----------------------------------------------------------- messages */

START_TEST(message_headers)
{
	char	*m, v[1024];
	size_t	 i;

	m = message_compose("Signet <signet@example.org>", "ann@example.net",
	    "V\xc3\xa9rification", "Hello\n\n123456\n");
	ck_assert_ptr_nonnull(m);
	check_lines(m, 78);
	ck_assert_msg(strncmp(m, "Date: ", 6) == 0, "%s", m);
	ck_assert(strstr(m, "\r\nFrom: Signet <signet@example.org>\r\n"));
	ck_assert(strstr(m, "\r\nTo: ann@example.net\r\n"));
	ck_assert(strstr(m,
	    "\r\nSubject: =?UTF-8?B?VsOpcmlmaWNhdGlvbg==?=\r\n"));
	ck_assert(strstr(m, "\r\nMIME-Version: 1.0\r\n"));
	ck_assert(strstr(m,
	    "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
	ck_assert(strstr(m,
	    "\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
	header_value(m, "Subject", v, sizeof(v));
	ck_assert_str_eq(v, "V\xc3\xa9rification");
	header_value(m, "Message-ID", v, sizeof(v));
	ck_assert_msg(v[0] == '<' && strspn(v + 1, "0123456789abcdef") == 32 &&
	    strcmp(v + 33, "@example.org>") == 0, "Message-ID %s", v);
	/* The code line survives encoding untouched. */
	ck_assert(strstr(m, "\r\n\r\nHello\r\n\r\n123456\r\n") != NULL);
	/* Date: "Tue, 21 Nov 2023 12:00:00 +0000" */
	header_value(m, "Date", v, sizeof(v));
	ck_assert_msg(strlen(v) >= 30 && v[3] == ',' &&
	    strcmp(v + strlen(v) - 6, " +0000") == 0, "Date %s", v);
	/* Headers first, then one blank line. */
	for (i = 0; m[i] != '\0' && strncmp(m + i, "\r\n\r\n", 4) != 0; i++)
		;
	ck_assert(strstr(m + i + 4, "Subject:") == NULL);
	free(m);

	/* Two messages, two Message-IDs. */
	{
		char	*a, *b, va[128], vb[128];

		a = message_compose("x@example.org", "y@example.org", "s", "b");
		b = message_compose("x@example.org", "y@example.org", "s", "b");
		header_value(a, "Message-ID", va, sizeof(va));
		header_value(b, "Message-ID", vb, sizeof(vb));
		ck_assert_str_ne(va, vb);
		ck_assert(strstr(a, "\r\nFrom: x@example.org\r\n"));
		ck_assert(strstr(a, "\r\nSubject: s\r\n"));
		free(a);
		free(b);
	}
}
END_TEST

START_TEST(message_long_subjects)
{
	char		 subj[600], *m, v[1024];
	size_t		 i;
	const char	*word = "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x98\x80 ";

	/* Non-ASCII: encoded-words of whole characters, folded. */
	subj[0] = '\0';
	for (i = 0; i < 20; i++)
		strcat(subj, word);
	strcat(subj, "end");
	m = message_compose("a@example.org", "b@example.org", subj, "x\n");
	check_lines(m, 78);
	header_value(m, "Subject", v, sizeof(v));
	ck_assert_str_eq(v, subj);
	free(m);

	/* ASCII: folded at spaces, unfolds to the same text. */
	subj[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(subj, "word ");
	strcat(subj, "end");
	m = message_compose("a@example.org", "b@example.org", subj, "x\n");
	check_lines(m, 78);
	header_value(m, "Subject", v, sizeof(v));
	ck_assert_str_eq(v, subj);
	free(m);

	/* Text that looks like an encoded-word is encoded itself. */
	m = message_compose("a@example.org", "b@example.org", "=?x?Q?y?=", "x");
	header_value(m, "Subject", v, sizeof(v));
	ck_assert_str_eq(v, "=?x?Q?y?=");
	ck_assert(strstr(m, "Subject: =?UTF-8?B?") != NULL);
	free(m);

	/* A non-ASCII display name is encoded; the address is not. */
	m = message_compose("J\xc3\xb6rg <j@example.org>", "b@example.org", "s",
	    "x");
	check_lines(m, 78);
	ck_assert(strstr(m, "From: =?UTF-8?B?") != NULL);
	ck_assert(strstr(m, " <j@example.org>\r\n") != NULL);
	free(m);
}
END_TEST

START_TEST(message_quoted_printable)
{
	char		 body[2048], *m, *dec, *want, *p, *q;
	size_t		 i;

	strcpy(body, "Bonjour Ren\xc3\xa9" "e,\n\n123456\n\n");
	/* A long line, with = signs and UTF-8 across the soft breaks. */
	for (i = 0; i < 40; i++)
		strcat(body, "a=b \xc3\xa9t\xc3\xa9 ");
	strcat(body, "\ntrailing space \nFrom here\n.dot\n\xe2\x82\xac\ttab\t\n");
	m = message_compose("a@example.org", "b@example.org", "s", body);
	ck_assert_ptr_nonnull(m);
	check_lines(m, 76);
	/* Only printable ASCII (and tabs within lines) on the wire. */
	for (p = m; *p != '\0'; p++)
		ck_assert_msg((*p >= 0x20 && *p < 0x7f) || *p == '\r' ||
		    *p == '\n' || (*p == '\t' && p[1] != '\r'),
		    "raw byte 0x%02x", (unsigned char)*p);
	ck_assert(strstr(m, "\r\n123456\r\n") != NULL);
	ck_assert(strstr(m, "trailing space=20\r\n") != NULL);
	ck_assert(strstr(m, "\r\n=46rom here\r\n") != NULL);
	dec = qp_body(m);
	/* Expected: the body with CRLF line ends. */
	want = xmalloc(strlen(body) * 2 + 1);
	for (p = body, q = want; *p != '\0'; p++) {
		if (*p == '\n')
			*q++ = '\r';
		*q++ = *p;
	}
	*q = '\0';
	ck_assert_str_eq(dec, want);
	free(dec);
	free(want);
	free(m);

	/* CRLF in the body is not doubled; no final newline still ends one. */
	m = message_compose("a@example.org", "b@example.org", "s", "a\r\nb");
	dec = qp_body(m);
	ck_assert_str_eq(dec, "a\r\nb\r\n");
	free(dec);
	free(m);
}
END_TEST

START_TEST(message_injection)
{
	char	*m;

	ck_assert_ptr_null(message_compose("a@example.org",
	    "b@example.org\r\nBcc: c@example.org", "s", "x"));
	ck_assert_ptr_null(message_compose("a@example.org\n", "b@example.org",
	    "s", "x"));
	ck_assert_ptr_null(message_compose("a@example.org", "", "s", "x"));
	m = message_compose("a@example.org", "b@example.org",
	    "Hi\r\nBcc: c@example.org", "x");
	ck_assert_ptr_nonnull(m);
	ck_assert(strstr(m, "\r\nBcc:") == NULL);
	free(m);
}
END_TEST

START_TEST(address)
{
	char	*a;

	a = message_address("Signet <signet@example.org>");
	ck_assert_str_eq(a, "signet@example.org");
	free(a);
	a = message_address("  signet@example.org ");
	ck_assert_str_eq(a, "signet@example.org");
	free(a);
}
END_TEST

int
main(void)
{
	Suite		*s = suite_create("mail");
	TCase		*tc = tcase_create("core");
	SRunner		*sr;
	const char	*src;
	char		 err[512];
	int		 failed;

	cf = xcalloc(1, sizeof(*cf));
	if (conf_load(cf, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "conf_load: %s\n", err);
		return EXIT_FAILURE;
	}
	if ((src = getenv("SIGNET_SRCDIR")) == NULL)
		src = ".";
	snprintf(srcdir_templates, sizeof(srcdir_templates),
	    "%s/etc/templates", src);
	use_templates(srcdir_templates);

	tcase_add_test(tc, render_signup_en);
	tcase_add_loop_test(tc, render_all, 0, 5 * 6);
	tcase_add_test(tc, render_fallback);
	tcase_add_test(tc, render_unknown_placeholder);
	tcase_add_test(tc, render_malformed_and_cache);
	tcase_add_test(tc, languages);
	tcase_add_test(tc, message_headers);
	tcase_add_test(tc, message_long_subjects);
	tcase_add_test(tc, message_quoted_printable);
	tcase_add_test(tc, message_injection);
	tcase_add_test(tc, address);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	conf_free(cf);
	free(cf);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
