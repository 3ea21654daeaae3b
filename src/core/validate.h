/* signet: rules for usernames, emails and passwords.  ISC licence. */
#ifndef SIGNET_VALIDATE_H
#define SIGNET_VALIDATE_H

#include <stdbool.h>

/*
 * Each validate_*() returns true if the value passes, else false with
 * *reason pointing to a static sentence for people ("must be ...").  The
 * personalities put reasons in their own envelopes; none is JSON.
 */

/* 3..64 bytes of ASCII letters, digits, '.', '_', '-'; first alphanumeric. */
bool	 validate_username(const char *u, const char **reason);

/*
 * At most 254 octets, valid UTF-8, one '@'; a local part of 1..64 octets,
 * an RFC 5321 dot-atom (no blanks, controls or ()<>[]:;@\,"; dots only
 * between words) in which UTF-8 beyond ASCII is allowed; a domain of two
 * or more labels of 1..63 letters, digits, hyphens or non-ASCII (IDN)
 * bytes, none starting or ending with '-', a top label that is not all
 * digits, and that IDNA (libidn2, UTS #46 non-transitional) can convert.
 * With norm not NULL, *norm is the address as signet stores and compares
 * it: the local part as given, the domain as a lower-case A-label (the
 * caller frees it).
 */
bool	 validate_email(const char *e, char **norm, const char **reason);

/*
 * At least password_min_length(false) characters (UTF-8 code points;
 * password_min_length_single_factor, 8 by default; invalid UTF-8 is refused), at
 * most 1024 bytes; not containing the username or the email's local part
 * (ASCII case folded, each only when at least 3 characters long); and a
 * zxcvbn score of at least min_score, with the username, the email and its
 * local part as user words.  username and email may be NULL.  No
 * composition rules.
 */
bool	 validate_password(const char *pw, const char *username,
	    const char *email, long min_score, const char **reason);

/*
 * validate_password() with at least min_len characters instead of
 * password_min_length(false).
 */
bool	 validate_password_len(const char *pw, const char *username,
	    const char *email, long min_score, long min_len,
	    const char **reason);

/*
 * The least length of a new password: 8 characters for an account with a
 * second factor, else password_min_length_single_factor (8 or more).
 */
long	 password_min_length(bool second_factor);

/*
 * zxcvbn's score of pw, 0..4, from its guesses (2^entropy): under 10^3,
 * 10^6, 10^8, 10^10, and above.  user_words is a NULL-terminated list of
 * words that count as guessable (may be NULL).
 */
int	 password_strength(const char *pw, const char *const *user_words);

/*
 * A login as signet looks it up: an email address (it holds an '@') in
 * the form validate_email() stores, else login as it is.  The caller
 * frees it.
 */
char	*validate_login(const char *login);

/* The longest URL validate_url() accepts, in bytes. */
#define VALIDATE_URL_MAX	2048

/*
 * A URL a mail may link to (BEdita's customUrl rule): a scheme, "://",
 * and for http and https a host that is a dotted name, "localhost", an
 * IPv4 or a bracketed IPv6 address, without user info; other schemes (an
 * app's "myapp://") may have anything after "://".  No blanks or control
 * characters, at most VALIDATE_URL_MAX bytes; javascript:, data:,
 * vbscript: and file: are refused.
 */
bool	 validate_url(const char *url, const char **reason);

/*
 * A URL signet may mail as a link: validate_url() and, since a link in a
 * mail from us is trusted like us, one of the prefixes of link_prefixes
 * (cf->links: by default the origin of public_url).  A prefix matches at
 * a boundary: the URL goes on with '/', '?' or '#' after it, or ends
 * there, unless the prefix itself ends with '/'.
 */
bool	 validate_link(const char *url, const char **reason);

/* A person's full name: valid UTF-8, 1..200 characters, no controls. */
bool	 validate_name(const char *name, const char **reason);

/*
 * An IANA time zone name ("Europe/Amsterdam", "UTC"): at most 64 bytes of
 * '/'-separated parts of letters, digits, '_', '+' and '-', each starting
 * with a letter (or a sign, "Etc/GMT+1"), and known to this host's tz
 * database (ZONEINFO_DIR) when that is installed.
 */
bool	 validate_timezone(const char *tz, const char **reason);

/* Does s look like a gid, a uuid in text (8-4-4-4-12 hex digits)? */
bool	 validate_gid(const char *s);

#endif
