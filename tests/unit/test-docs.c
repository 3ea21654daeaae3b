/*
 * Unit tests: the documentation keeps up with the configuration table.
 * Every key of src/base/conf.c (conf_key_name()) has an ".It Cm key" entry in
 * signet.conf(5) and a "#key = default" line in the sample configuration,
 * with the table's default; the man page names no key the table lacks; the
 * sample and the minimal configuration load.  Reads the sources under
 * $SIGNET_SRCDIR (make check sets it), so a key added without its
 * documentation fails here.  ISC licence, see README.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"

#define MAN	"man/signet.conf.5.in"
#define SAMPLE	"etc/signet.conf.sample.in"
#define MINIMAL	"etc/signet.conf.minimal.in"
#define TABLE	"src/base/conf.c"

/* The placeholders of the .in files, as make install fills them. */
static const struct {
	const char	*name, *value;
} subst[] = {
	{ "@sysconfdir@", SYSCONFDIR },
	{ "@pkgdatadir@", PKGDATADIR },
	{ "@localstatedir@", LOCALSTATEDIR },
	{ "@PACKAGE_VERSION@", PACKAGE_VERSION },
};

/* A NUL-terminated copy of $SIGNET_SRCDIR/rel; the caller frees it. */
static char *
slurp(const char *rel)
{
	const char	*top = getenv("SIGNET_SRCDIR");
	char		 path[4096], *buf;
	FILE		*f;
	long		 len;

	snprintf(path, sizeof(path), "%s/%s", top && *top ? top : ".", rel);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (is SIGNET_SRCDIR set?)",
	    path);
	ck_assert(fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0);
	rewind(f);
	buf = malloc((size_t)len + 1);
	ck_assert(buf != NULL);
	ck_assert(fread(buf, 1, (size_t)len, f) == (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* s with every placeholder replaced; a new string the caller frees. */
static char *
fill(const char *s)
{
	size_t	 i, n, cap = strlen(s) * 2 + 4096, len = 0;
	char	*out = malloc(cap);

	ck_assert(out != NULL);
	while (*s != '\0') {
		for (i = 0; i < sizeof(subst) / sizeof(subst[0]); i++) {
			n = strlen(subst[i].name);
			if (strncmp(s, subst[i].name, n) == 0)
				break;
		}
		if (i < sizeof(subst) / sizeof(subst[0])) {
			ck_assert(len + strlen(subst[i].value) < cap - 1);
			memcpy(out + len, subst[i].value, strlen(subst[i].value));
			len += strlen(subst[i].value);
			s += strlen(subst[i].name);
		} else {
			ck_assert(len < cap - 1);
			out[len++] = *s++;
		}
	}
	out[len] = '\0';
	return out;
}

/* The next line of *p (its end cut at the newline); NULL at the end. */
static char *
next_line(char **p)
{
	char	*line = *p, *nl;

	if (line == NULL || *line == '\0')
		return NULL;
	if ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else
		*p = line + strlen(line);
	return line;
}

static bool
is_key(const char *name)
{
	const char	*k;
	size_t		 i;

	for (i = 0; (k = conf_key_name(i)) != NULL; i++)
		if (strcmp(k, name) == 0)
			return true;
	return false;
}

/*
 * If line is "[#]key = value" for a key of the table, copy the key into
 * key (size ksz) and return the value (trimmed, in line); else NULL.
 */
static char *
key_line(char *line, bool commented, char *key, size_t ksz)
{
	char	*s = line, *e, *v;
	size_t	 n;

	if (commented) {
		if (*s != '#')
			return NULL;
		s++;
	}
	n = strspn(s, "abcdefghijklmnopqrstuvwxyz_0123456789");
	if (n == 0 || n >= ksz)
		return NULL;
	memcpy(key, s, n);
	key[n] = '\0';
	v = s + n + strspn(s + n, " \t");
	if (*v != '=' || !is_key(key))
		return NULL;
	v++;
	v += strspn(v, " \t");
	e = v + strlen(v);
	while (e > v && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return v;
}

START_TEST(man_documents_every_key)
{
	char		*man = slurp(MAN), want[128];
	const char	*k, *hit;
	size_t		 i, n;
	bool		 found;

	for (i = 0; (k = conf_key_name(i)) != NULL; i++) {
		snprintf(want, sizeof(want), "\n.It Cm %s", k);
		n = strlen(want);
		found = false;
		for (hit = strstr(man, want); hit; hit = strstr(hit + 1, want))
			if (hit[n] == ' ' || hit[n] == '\n') {
				found = true;
				break;
			}
		ck_assert_msg(found, "key \"%s\" is not documented in %s "
		    "(add an \".It Cm %s\" entry under KEYS)", k, MAN, k);
	}
	free(man);
}
END_TEST

START_TEST(man_documents_no_other_key)
{
	char	*man = slurp(MAN), *p = man, *line, name[128];
	bool	 in_keys = false;
	size_t	 n, seen = 0;

	while ((line = next_line(&p)) != NULL) {
		if (strncmp(line, ".Sh ", 4) == 0)
			in_keys = strcmp(line, ".Sh KEYS") == 0;
		if (!in_keys || strncmp(line, ".It Cm ", 7) != 0)
			continue;
		n = strcspn(line + 7, " ");
		ck_assert(n < sizeof(name));
		memcpy(name, line + 7, n);
		name[n] = '\0';
		ck_assert_msg(is_key(name), "%s documents \"%s\", which is not "
		    "a key of %s", MAN, name, TABLE);
		seen++;
	}
	ck_assert_msg(seen > 0, "%s has no KEYS section", MAN);
	free(man);
}
END_TEST

START_TEST(sample_lists_every_key_once)
{
	char		*text = slurp(SAMPLE), *p, *line, key[128];
	const char	*k;
	size_t		 i, n;

	for (i = 0; (k = conf_key_name(i)) != NULL; i++) {
		free(text);
		text = slurp(SAMPLE);
		p = text;
		n = 0;
		while ((line = next_line(&p)) != NULL)
			if (key_line(line, true, key, sizeof(key)) != NULL &&
			    strcmp(key, k) == 0)
				n++;
		ck_assert_msg(n == 1, "%s has %zu \"#%s = ...\" lines, "
		    "not one", SAMPLE, n, k);
	}
	free(text);
}
END_TEST

/*
 * The default of key in the table's text: the string literals (and the
 * path macros between them) after "X(key,".  A new string, or NULL if the
 * table has no such line.
 */
static char *
table_default(const char *table, const char *key)
{
	char		 head[160], out[1024];
	const char	*p, *q;
	size_t		 len = 0, i, n;

	for (p = table; (p = strchr(p, '\n')) != NULL; p++) {
		q = p + 1 + strspn(p + 1, " \t");
		if (*q == '\0' || strchr("SIWB", *q) == NULL || q[1] != '(')
			continue;
		snprintf(head, sizeof(head), "%s,", key);
		if (strncmp(q + 2, head, strlen(head)) == 0) {
			p = q + 2 + strlen(head);
			break;
		}
	}
	if (p == NULL)
		return NULL;
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '"') {
			q = strchr(p + 1, '"');
			ck_assert(q != NULL && len + (size_t)(q - p) < sizeof(out));
			memcpy(out + len, p + 1, (size_t)(q - p - 1));
			len += (size_t)(q - p - 1);
			p = q + 1;
			continue;
		}
		for (i = 0; i < sizeof(subst) / sizeof(subst[0]); i++) {
			/* "@sysconfdir@" -> SYSCONFDIR, the macro's name */
			char	macro[32];

			for (n = 0; subst[i].name[n + 1] != '@'; n++)
				macro[n] = (char)toupper(
				    (unsigned char)subst[i].name[n + 1]);
			macro[n] = '\0';
			if (strncmp(p, macro, n) == 0 && !isalnum(
			    (unsigned char)p[n]) && p[n] != '_') {
				ck_assert(len + strlen(subst[i].value) <
				    sizeof(out));
				memcpy(out + len, subst[i].value,
				    strlen(subst[i].value));
				len += strlen(subst[i].value);
				p += n;
				break;
			}
		}
		if (i == sizeof(subst) / sizeof(subst[0]))
			break;
	}
	ck_assert_msg(*p == ',', "cannot read the default of \"%s\" in %s",
	    key, TABLE);
	out[len] = '\0';
	return strdup(out);
}

START_TEST(sample_defaults_are_the_tables)
{
	char		*table = slurp(TABLE), *raw = slurp(SAMPLE), *text;
	char		*p, *line, *v, *def, key[128];
	size_t		 checked = 0;

	text = fill(raw);
	p = text;
	while ((line = next_line(&p)) != NULL) {
		if ((v = key_line(line, true, key, sizeof(key))) == NULL)
			continue;
		def = table_default(table, key);
		ck_assert_msg(def != NULL, "no line for \"%s\" in %s", key,
		    TABLE);
		ck_assert_msg(strcmp(v, def) == 0, "%s: #%s = \"%s\", but the "
		    "default in %s is \"%s\"", SAMPLE, key, v, TABLE, def);
		free(def);
		checked++;
	}
	ck_assert(checked > 0);
	free(text);
	free(raw);
	free(table);
}
END_TEST

/* Write text to a new temp file; its path goes into path (size >= 64). */
static void
write_temp(char *path, const char *text)
{
	FILE	*f;
	int	 fd;

	strcpy(path, "/tmp/signet-test-docs-XXXXXX");
	ck_assert((fd = mkstemp(path)) != -1);
	ck_assert((f = fdopen(fd, "w")) != NULL);
	fputs(text, f);
	fclose(f);
}

START_TEST(sample_uncommented_loads)
{
	char		*raw = slurp(SAMPLE), *text, *p, *line, *v, key[128];
	char		*out, path[64], err[512];
	size_t		 len = 0;
	struct conf	 c;
	int		 rc;

	text = fill(raw);
	out = calloc(1, strlen(text) + 1);
	ck_assert(out != NULL);
	p = text;
	while ((line = next_line(&p)) != NULL)
		if ((v = key_line(line, true, key, sizeof(key))) != NULL)
			len += (size_t)sprintf(out + len, "%s = %s\n", key, v);
	write_temp(path, out);
	rc = conf_load(&c, path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(rc == 0, "%s, uncommented: %s", SAMPLE, err);
	conf_free(&c);
	free(out);
	free(text);
	free(raw);
}
END_TEST

START_TEST(minimal_loads)
{
	char		*raw = slurp(MINIMAL), *text, path[64], err[512];
	struct conf	 c;
	int		 rc;

	text = fill(raw);
	write_temp(path, text);
	rc = conf_load(&c, path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(rc == 0, "%s: %s", MINIMAL, err);
	conf_free(&c);
	free(text);
	free(raw);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("docs");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, man_documents_every_key);
	tcase_add_test(tc, man_documents_no_other_key);
	tcase_add_test(tc, sample_lists_every_key_once);
	tcase_add_test(tc, sample_defaults_are_the_tables);
	tcase_add_test(tc, sample_uncommented_loads);
	tcase_add_test(tc, minimal_loads);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
