/*
 * signet: the rules for URLs a client hands us (validate_url) and for the
 * links we put in mails, which must also start with one of link_prefixes
 * (validate_link).
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/conf.h"
#include "core/validate.h"

/* Is the authority [host][:port] of an http(s) URL, len bytes, acceptable? */
static bool
http_host_ok(const char *start, size_t len)
{
	const char	*end = start + len, *colon, *hend, *h;
	size_t		 n;
	bool		 dot = false;

	if (memchr(start, '@', len) != NULL)
		return false;		/* no user info: it only misleads */
	if (len > 0 && *start == '[') {
		hend = memchr(start, ']', len);
		if (hend == NULL || hend == start + 1 ||
		    strspn(start + 1, "0123456789abcdefABCDEF:.") !=
		    (size_t)(hend - start - 1))
			return false;
		colon = hend + 1 < end ? hend + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return false;
	} else {
		colon = memchr(start, ':', len);
		hend = colon ? colon : end;
		if (hend == start || *start == '.' || hend[-1] == '.')
			return false;
		for (h = start; h < hend; h++) {
			if (*h == '.') {
				if (h[1] == '.')
					return false;
				dot = true;
			} else if (!isalnum((unsigned char)*h) && *h != '-' &&
			    (unsigned char)*h < 0x80)
				return false;
		}
		if (!dot && (hend - start != 9 ||
		    strncasecmp(start, "localhost", 9) != 0))
			return false;
	}
	if (colon != NULL) {
		n = (size_t)(end - colon - 1);
		if (n < 1 || n > 5 || strspn(colon + 1, "0123456789") < n)
			return false;
	}
	return true;
}

bool
validate_url(const char *url, const char **reason)
{
	static const char *const refused[] = { "javascript", "data",
	    "vbscript", "file" };
	const char	*s, *host;
	size_t		 len, n, i;

	len = strlen(url);
	if (len == 0 || len > VALIDATE_URL_MAX)
		goto bad;
	for (s = url; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			goto bad;
	if (!isalpha((unsigned char)url[0]))
		goto bad;
	n = 1 + strspn(url + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+-.");
	if (strncmp(url + n, "://", 3) != 0)
		goto bad;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strlen(refused[i]) == n &&
		    strncasecmp(url, refused[i], n) == 0)
			goto bad;
	if (!(n == 4 && strncasecmp(url, "http", 4) == 0) &&
	    !(n == 5 && strncasecmp(url, "https", 5) == 0))
		return true;		/* an app's own scheme */
	host = url + n + 3;
	if (http_host_ok(host, strcspn(host, "/?#")))
		return true;
bad:
	*reason = "is not an acceptable URL";
	return false;
}

bool
validate_link(const char *url, const char **reason)
{
	size_t	i, n;

	if (!validate_url(url, reason))
		return false;
	for (i = 0; cf->links[i] != NULL; i++) {
		n = strlen(cf->links[i]);
		if (strncmp(url, cf->links[i], n) == 0 && (n == 0 ||
		    cf->links[i][n - 1] == '/' || url[n] == '\0' ||
		    strchr("/?#", url[n]) != NULL))
			return true;
	}
	*reason = "does not start with a prefix of link_prefixes";
	return false;
}
