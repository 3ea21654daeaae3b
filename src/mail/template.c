/* signet: mail templates.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/utf8.h"
#include "base/xmalloc.h"
#include "mail/buf.h"
#include "mail/lang.h"
#include "mail/template.h"

/* A template larger than this is a mistake, not a mail. */
#define TEMPLATE_MAX	(64 * 1024)

/*
 * Cached lookups, found and missing, at most this many: the language comes
 * from users, and a cache an attacker can grow without bound is a leak.
 * Past the cap lookups still work; they just read the file again.
 */
#define CACHE_MAX	512

/* A template name: lower-case letters, digits and "_". */
static bool
name_syntax_ok(const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '_')
			return false;
	return i <= 64;
}

struct tmpl {
	struct tmpl	*next;
	char		*path;
	bool		 missing;	/* no such file */
	char		*subject;	/* with {{placeholders}} */
	char		*body;
};

static struct tmpl	*cache;
static size_t		 ncache;

/* Free a template entry and everything it owns. */
static void
tmpl_free(struct tmpl *t)
{
	free(t->path);
	free(t->subject);
	free(t->body);
	free(t);
}

void
template_cache_clear(void)
{
	struct tmpl	*t;

	while ((t = cache) != NULL) {
		cache = t->next;
		tmpl_free(t);
	}
	ncache = 0;
	lang_clear();
}

/*
 * Read and split the template at path into t.  Returns 0, 1 when there is
 * no such file, or -1 (logged) when it cannot be read or is malformed.
 */
static int
tmpl_load(struct tmpl *t)
{
	struct buf	 text = { 0 };
	FILE		*f;
	char		 chunk[4096], *s, *p, *nl;
	size_t		 n;
	int		 rc = -1;

	if ((f = fopen(t->path, "r")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		log_err("mail template %s: %s", t->path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_add(&text, chunk, n);
		if (text.len > TEMPLATE_MAX) {
			log_err("mail template %s: larger than %d bytes",
			    t->path, TEMPLATE_MAX);
			goto out;
		}
	}
	if (ferror(f)) {
		log_err("mail template %s: %s", t->path, strerror(errno));
		goto out;
	}
	if (text.s == NULL)
		buf_add(&text, "", 0);
	if (!utf8_valid(text.s, text.len)) {
		log_err("mail template %s: not valid UTF-8 text", t->path);
		goto out;
	}
	s = text.s;
	/* Templates may have been saved with CRLF: work in LF. */
	for (p = s, n = 0; *p != '\0'; p++)
		if (*p != '\r')
			s[n++] = *p;
	s[n] = '\0';
	if (strncmp(s, "Subject:", 8) != 0) {
		log_err("mail template %s: the first line must be "
		    "\"Subject: ...\"", t->path);
		goto out;
	}
	p = s + 8;
	while (*p == ' ' || *p == '\t')
		p++;
	nl = strchr(p, '\n');
	t->subject = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
	if (nl == NULL)
		t->body = xstrdup("");
	else if (nl[1] == '\n')
		t->body = xstrdup(nl + 2);
	else if (nl[1] == '\0')
		t->body = xstrdup("");
	else {
		log_err("mail template %s: a blank line must follow the "
		    "Subject line", t->path);
		goto out;
	}
	rc = 0;
out:
	if (rc == -1) {
		free(t->subject);
		free(t->body);
		t->subject = t->body = NULL;
	}
	free(text.s);
	fclose(f);
	return rc;
}

/*
 * The template at path, from the cache or the file.  Returns it (owned by
 * the cache, or by the caller when *owned is set), or NULL when there is no
 * such file or it is broken (logged).
 */
static struct tmpl *
tmpl_get(const char *path, bool *owned)
{
	struct tmpl	*t;
	int		 rc;

	*owned = false;
	for (t = cache; t != NULL; t = t->next)
		if (strcmp(t->path, path) == 0)
			return t->missing ? NULL : t;
	t = xcalloc(1, sizeof(*t));
	t->path = xstrdup(path);
	if ((rc = tmpl_load(t)) == -1) {
		/* Broken: not cached, so a fixed file is picked up. */
		tmpl_free(t);
		return NULL;
	}
	t->missing = rc == 1;
	if (ncache >= CACHE_MAX) {
		if (t->missing) {
			tmpl_free(t);
			return NULL;
		}
		*owned = true;
		return t;
	}
	t->next = cache;
	cache = t;
	ncache++;
	return t->missing ? NULL : t;
}

/*
 * Replace the {{name}}s of tpl with their values into out.  With oneline
 * (a header), line breaks and tabs in values become spaces.  Returns 0, or
 * -1 (logged, naming path) on an unknown or unterminated placeholder.
 */
static int
expand(struct buf *out, const char *tpl, const char *path,
    const struct mail_var *vars, size_t nvars, bool oneline)
{
	const char	*p, *open, *close, *name, *end, *v;
	size_t		 i;

	for (p = tpl; (open = strstr(p, "{{")) != NULL; p = close + 2) {
		buf_add(out, p, (size_t)(open - p));
		if ((close = strstr(open + 2, "}}")) == NULL) {
			log_err("mail template %s: unterminated \"{{\"", path);
			return -1;
		}
		for (name = open + 2; *name == ' '; name++)
			;
		for (end = close; end > name && end[-1] == ' '; end--)
			;
		for (i = 0; i < nvars; i++)
			if (strlen(vars[i].name) == (size_t)(end - name) &&
			    strncmp(vars[i].name, name,
			    (size_t)(end - name)) == 0)
				break;
		if (i == nvars) {
			char	esc[80];

			log_err("mail template %s: unknown placeholder "
			    "{{%s}}", path, log_escape(esc, sizeof(esc), name,
			    (size_t)(end - name)));
			return -1;
		}
		if ((v = vars[i].value) == NULL)
			v = "";
		if (!oneline) {
			buf_adds(out, v);
			continue;
		}
		for (; *v != '\0'; v++)
			buf_addc(out, (*v == '\r' || *v == '\n' || *v == '\t') ?
			    ' ' : *v);
	}
	buf_adds(out, p);
	return 0;
}

int
template_render(const char *name, const char *lang, const struct mail_var *vars,
    size_t nvars, char **subject, char **body)
{
	struct buf	 s = { 0 }, b = { 0 };
	struct tmpl	*t = NULL;
	const char	*cand[4];
	char		*primary = NULL, *path = NULL;
	bool		 owned = false;
	size_t		 i, j, n = 0;
	int		 rc = -1;

	*subject = *body = NULL;
	if (!name_syntax_ok(name)) {
		log_err("mail template: bad name");
		return -1;
	}
	/* Candidates: lang, its primary subtag, the default, English. */
	if (lang_syntax_ok(lang)) {
		cand[n++] = lang;
		if ((i = strcspn(lang, "-_")) < strlen(lang))
			cand[n++] = primary = xstrndup(lang, i);
	}
	if (lang_syntax_ok(cf->default_language))
		cand[n++] = cf->default_language;
	cand[n++] = "en";
	for (i = 0; i < n && t == NULL; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(cand[j], cand[i]) == 0)
				break;
		if (j < i)
			continue;
		free(path);
		path = xasprintf("%s/%s/%s.txt", cf->templates_dir, cand[i],
		    name);
		t = tmpl_get(path, &owned);
	}
	if (t == NULL) {
		log_err("mail template %s: not found for language %s in %s",
		    name, lang_syntax_ok(lang) ? lang : "(none)",
		    cf->templates_dir);
		goto out;
	}
	if (expand(&s, t->subject, t->path, vars, nvars, true) == -1 ||
	    expand(&b, t->body, t->path, vars, nvars, false) == -1)
		goto out;
	*subject = buf_take(&s);
	*body = buf_take(&b);
	rc = 0;
out:
	free(s.s);
	free(b.s);
	if (owned)
		tmpl_free(t);
	free(path);
	free(primary);
	return rc;
}
