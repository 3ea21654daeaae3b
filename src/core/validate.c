/* signet: rules for usernames, emails, passwords and gids (links: validate_url.c). */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <zxcvbn.h>

#include "base/conf.h"
#include "core/validate.h"
#include "base/xmalloc.h"

#define USERNAME_MIN	3
#define USERNAME_MAX	64
#define EMAIL_MAX	254	/* RFC 5321's path limit, less the brackets */
#define LOCAL_MAX	64
#define LABEL_MAX	63
#define PASSWORD_MIN	8	/* code points: NIST SP 800-63B */

/*
 * Bytes, not characters: it bounds the scrypt input and the zxcvbn run.
 * zxcvbn-c scores 1024 bytes in under 5 ms on our hosts even for its worst
 * case (one repeated character), so the whole password is scored.
 */
#define PASSWORD_MAX	1024

/* Words passed to zxcvbn besides the NULL: username, email, local part. */
#define USER_WORDS_MAX	8

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/*
 * The number of code points in the NUL-terminated s, or -1 if it is not
 * valid UTF-8 (overlong forms, surrogates and values past U+10FFFF are
 * invalid).
 */
static long
utf8_count(const char *str)
{
	const unsigned char	*s = (const unsigned char *)str;
	uint32_t		 cp;
	long			 n = 0;
	int			 more, i;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			n++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf) {
			more = 1;
			cp = *s & 0x1f;
		} else if (*s >= 0xe0 && *s <= 0xef) {
			more = 2;
			cp = *s & 0x0f;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			more = 3;
			cp = *s & 0x07;
		} else
			return -1;
		for (i = 1; i <= more; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;	/* also stops at the NUL */
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return -1;
		s += more + 1;
		n++;
	}
	return n;
}

/* Does hay contain the first nlen bytes of needle, ASCII case folded? */
static bool
contains_fold(const char *hay, const char *needle, size_t nlen)
{
	size_t	 hlen = strlen(hay), i, j;

	for (i = 0; nlen > 0 && i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++)
			if (lower((unsigned char)hay[i + j]) !=
			    lower((unsigned char)needle[j]))
				break;
		if (j == nlen)
			return true;
	}
	return false;
}

bool
validate_username(const char *u, const char **reason)
{
	size_t	 len, i;

	len = u == NULL ? 0 : strlen(u);
	if (len < USERNAME_MIN || len > USERNAME_MAX) {
		*reason = "must be 3 to 64 characters";
		return false;
	}
	for (i = 0; i < len; i++) {
		if (!is_alnum((unsigned char)u[i]) && u[i] != '.' &&
		    u[i] != '_' && u[i] != '-') {
			*reason = "may contain only letters, digits, '.', '_' "
			    "and '-'";
			return false;
		}
	}
	if (!is_alnum((unsigned char)u[0])) {
		*reason = "must start with a letter or digit";
		return false;
	}
	return true;
}

/*
 * One label of a domain, len bytes at s: 1..63 letters, digits, hyphens or
 * non-ASCII bytes (UTF-8 of an IDN, checked as a whole by the caller), not
 * starting or ending with '-'.
 */
static bool
label_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len < 1 || len > LABEL_MAX || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-' &&
		    (unsigned char)s[i] < 0x80)
			return false;
	return true;
}

/*
 * A domain of labels joined by single dots, the last not all digits (that
 * would be an IP address).
 */
static bool
domain_ok(const char *dom)
{
	const char	*p, *dot;

	for (p = dom; ; p = dot + 1) {
		if ((dot = strchr(p, '.')) == NULL)
			dot = p + strlen(p);
		if (!label_ok(p, (size_t)(dot - p)))
			return false;
		if (*dot == '\0')
			break;
	}
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return true;
	return false;
}

/*
 * The local part, len bytes at s, as an RFC 5321 dot-atom: atext (letters,
 * digits, !#$%&'*+-/=?^_`{|}~, and UTF-8 beyond ASCII as RFC 6531 allows)
 * in words separated by single dots.  Nothing that would need quoting
 * reaches RCPT TO or a To: header.
 */
static bool
local_ok(const char *s, size_t len, const char **reason)
{
	size_t		i;
	unsigned char	c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		/* ASCII blanks and controls, and C1 controls (C2 80..C2 9F) */
		if (c <= 0x20 || c == 0x7f || (c == 0xc2 &&
		    (unsigned char)s[i + 1] < 0xa0)) {
			*reason = "must not contain spaces or control "
			    "characters";
			return false;
		}
		if (c < 0x80 && strchr("()<>[]:;@\\,\"", c) != NULL) {
			*reason = "must not contain ( ) < > [ ] : ; @ \\ , or "
			    "\" before the '@'";
			return false;
		}
		if (c == '.' && (i == 0 || i == len - 1 || s[i + 1] == '.')) {
			*reason = "must not start or end with a dot, or have "
			    "two in a row, before the '@'";
			return false;
		}
	}
	return true;
}

/*
 * The domain as an A-label in lower case (IDNA 2008 with UTS #46's
 * non-transitional mapping: "B\xc3\xbccher.example" ->
 * "xn--bcher-kva.example"), into *out (the caller's).  false when it
 * cannot be converted.
 */
static bool
domain_ascii(const char *dom, char **out)
{
	const char	*q;
	char		*a = NULL, *p;
	bool		 ascii = true;

	for (q = dom; *q != '\0'; q++)
		if ((unsigned char)*q >= 0x80)
			ascii = false;
	if (ascii)
		*out = xstrdup(dom);
	else {
		if (idn2_to_ascii_8z(dom, &a, IDN2_NFC_INPUT |
		    IDN2_NONTRANSITIONAL) != IDN2_OK)
			return false;
		*out = xstrdup(a);
		idn2_free(a);
	}
	for (p = *out; *p != '\0'; p++)
		*p = (char)lower((unsigned char)*p);
	return true;
}

bool
validate_email(const char *e, char **norm, const char **reason)
{
	const char	*at, *dom;
	char		*ascii;
	size_t		 len;

	if (norm != NULL)
		*norm = NULL;
	len = e == NULL ? 0 : strlen(e);
	if (len == 0) {
		*reason = "must be an email address like name@example.com";
		return false;
	}
	if (len > EMAIL_MAX) {
		*reason = "must be at most 254 characters";
		return false;
	}
	if (utf8_count(e) == -1) {
		*reason = "must be valid UTF-8";
		return false;
	}
	if ((at = strchr(e, '@')) == NULL || strchr(at + 1, '@') != NULL) {
		*reason = "must contain exactly one '@'";
		return false;
	}
	if (at == e || at - e > LOCAL_MAX) {
		*reason = "must have 1 to 64 characters before the '@'";
		return false;
	}
	if (!local_ok(e, (size_t)(at - e), reason))
		return false;
	dom = at + 1;
	if (strchr(dom, '.') == NULL) {
		*reason = "must have a domain with a dot, like example.com";
		return false;
	}
	if (!domain_ok(dom)) {
		*reason = "must have a valid domain";
		return false;
	}
	if (!domain_ascii(dom, &ascii)) {
		*reason = "must have a domain that IDNA can write in ASCII";
		return false;
	}
	/* IDNA maps some characters to ASCII no domain may hold ("(r)"). */
	if (!domain_ok(ascii)) {
		free(ascii);
		*reason = "must have a domain that IDNA can write in ASCII";
		return false;
	}
	if ((size_t)(at - e) + 1 + strlen(ascii) > EMAIL_MAX) {
		free(ascii);
		*reason = "must be at most 254 characters";
		return false;
	}
	if (norm != NULL)
		*norm = xasprintf("%.*s@%s", (int)(at - e), e, ascii);
	free(ascii);
	return true;
}

int
password_strength(const char *pw, const char *const *user_words)
{
	const char	*words[USER_WORDS_MAX + 1];
	double		 lg;
	size_t		 n = 0;

	/* zxcvbn wants a non-const array; copy rather than cast away const */
	while (user_words != NULL && user_words[n] != NULL &&
	    n < USER_WORDS_MAX) {
		words[n] = user_words[n];
		n++;
	}
	words[n] = NULL;

	/* log10(guesses) = entropy in bits * log10(2) */
	lg = ZxcvbnMatch(pw, words, NULL) * 0.30102999566398120;
	if (lg < 3)
		return 0;
	if (lg < 6)
		return 1;
	if (lg < 8)
		return 2;
	if (lg < 10)
		return 3;
	return 4;
}

bool
validate_password(const char *pw, const char *username, const char *email,
    long min_score, const char **reason)
{
	return validate_password_len(pw, username, email, min_score,
	    password_min_length(false), reason);
}

long
password_min_length(bool second_factor)
{
	if (second_factor || cf == NULL ||
	    cf->password_min_length_single_factor < PASSWORD_MIN)
		return PASSWORD_MIN;
	return cf->password_min_length_single_factor;
}

/* "must be at least N characters", for the N asked. */
static const char *
too_short(long min_len)
{
	static char	buf[64];

	snprintf(buf, sizeof(buf), "must be at least %ld characters", min_len);
	return buf;
}

bool
validate_password_len(const char *pw, const char *username, const char *email,
    long min_score, long min_len, const char **reason)
{
	const char	*words[4], *at;
	char		*local = NULL;
	size_t		 n = 0, ulen;
	long		 count;
	bool		 ok = false;

	if (pw == NULL || strlen(pw) > PASSWORD_MAX) {
		*reason = pw == NULL ? too_short(min_len) :
		    "must be at most 1024 bytes";
		return false;
	}
	if ((count = utf8_count(pw)) == -1) {
		*reason = "must be valid UTF-8";
		return false;
	}
	if (count < min_len) {
		*reason = too_short(min_len);
		return false;
	}

	/* the username is ASCII (validate_username), so bytes are characters */
	ulen = username == NULL ? 0 : strlen(username);
	if (ulen >= 3 && contains_fold(pw, username, ulen)) {
		*reason = "must not contain the username";
		return false;
	}
	if (email != NULL && (at = strchr(email, '@')) != NULL && at > email)
		local = xstrndup(email, (size_t)(at - email));
	if (local != NULL && utf8_count(local) >= 3 &&
	    contains_fold(pw, local, strlen(local))) {
		*reason = "must not contain the email address";
		goto out;
	}

	if (ulen > 0)
		words[n++] = username;
	if (email != NULL && *email != '\0')
		words[n++] = email;
	if (local != NULL)
		words[n++] = local;
	words[n] = NULL;
	if (password_strength(pw, words) < min_score) {
		*reason = "is too easy to guess: try a few uncommon words";
		goto out;
	}
	ok = true;
out:
	free(local);
	return ok;
}

bool
validate_gid(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

char *
validate_login(const char *login)
{
	const char	*why;
	char		*norm;

	if (strchr(login, '@') != NULL && validate_email(login, &norm, &why))
		return norm;
	return xstrdup(login);
}
