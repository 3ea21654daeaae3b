/* signet: rules for the profile fields a user edits.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/utf8.h"
#include "core/validate.h"

#define NAME_MAX_CHARS	200
#define TZ_MAX		64

#ifndef ZONEINFO_DIR
#define ZONEINFO_DIR	"/usr/share/zoneinfo"
#endif

bool
validate_name(const char *name, const char **reason)
{
	const unsigned char	*s;
	size_t			 chars = 0, len = strlen(name);

	if (!utf8_valid(name, len)) {
		*reason = "must be valid UTF-8";
		return false;
	}
	for (s = (const unsigned char *)name; *s != '\0'; s++) {
		if (*s < 0x20 || *s == 0x7f) {
			*reason = "must not hold control characters";
			return false;
		}
		if ((*s & 0xc0) != 0x80)
			chars++;
	}
	if (chars == 0 || chars > NAME_MAX_CHARS) {
		*reason = "must be 1 to 200 characters long";
		return false;
	}
	return true;
}

/* One part of a zone name: a letter or sign, then [A-Za-z0-9_+-]. */
static bool
tz_part_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || !(isalpha((unsigned char)*s) || *s == '+' || *s == '-'))
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("_+-", s[i]) == NULL)
			return false;
	return true;
}

bool
validate_timezone(const char *tz, const char **reason)
{
	struct stat	 st;
	const char	*s = tz;
	char		 path[sizeof(ZONEINFO_DIR) + TZ_MAX + 2];
	size_t		 n;

	*reason = "must be a time zone name, like Europe/Amsterdam";
	if (strlen(tz) > TZ_MAX)
		return false;
	for (;;) {
		n = strcspn(s, "/");
		if (!tz_part_ok(s, n))
			return false;
		if (s[n] == '\0')
			break;
		s += n + 1;
	}
	/* Without a tz database here, the syntax is all we can check. */
	if (stat(ZONEINFO_DIR, &st) == -1 || !S_ISDIR(st.st_mode))
		return true;
	snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, tz);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
