/* signet: mail templates, message composition, the outbox.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "db_mail.h"
#include "log.h"
#include "mail.h"
#include "xmalloc.h"

/* A template larger than this is a mistake, not a mail. */
#define TEMPLATE_MAX	(64 * 1024)

/*
 * Cached lookups, found and missing, at most this many: the language comes
 * from users, and a cache an attacker can grow without bound is a leak.
 * Past the cap lookups still work; they just read the file again.
 */
#define CACHE_MAX	512

/* The template whose presence makes a directory a language. */
#define LANGUAGE_MARK	"signup_code"

/* RFC 5322 recommends header lines of at most 78 octets. */
#define HEADER_WIDTH	78

/* Quoted-printable lines: at most 76 octets, soft break "=" included. */
#define QP_WIDTH	76

/* ---------------------------------------------------------------- buffer */

struct buf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

/*
 * A growing string: b owns s, always NUL-terminated once anything was
 * added.  buf_add*() append (xrealloc: they never fail).
 */
static void
buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

static void buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Append a formatted string; exits like xmalloc when memory runs out. */
static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1) {
		log_crit("out of memory formatting a mail");
		exit(1);
	}
	buf_add(b, s, (size_t)n);
	free(s);
}

/* The buffer's string, owned by the caller (never NULL). */
static char *
buf_take(struct buf *b)
{
	char	*s;

	s = b->s != NULL ? b->s : xstrdup("");
	memset(b, 0, sizeof(*b));
	return s;
}

/* ------------------------------------------------------------- languages */

/*
 * A language tag as a directory name may carry it: 2-3 letters, then
 * optional "-" or "_" subtags of 1-8 letters or digits ("pt-BR", "zh_Hant").
 * Anything else (dots, slashes) never reaches a path.
 */
static bool
lang_syntax_ok(const char *s)
{
	size_t	i, n;

	if (s == NULL)
		return false;
	for (n = 0; isalpha((unsigned char)s[n]); n++)
		;
	if (n < 2 || n > 3)
		return false;
	for (i = n; s[i] != '\0';) {
		if (s[i] != '-' && s[i] != '_')
			return false;
		for (n = ++i; isalnum((unsigned char)s[i]); i++)
			;
		if (i - n < 1 || i - n > 8)
			return false;
	}
	return i <= 35;
}

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

static char	**langs;	/* sorted codes with templates */
static size_t	  nlangs;
static char	 *langs_dir;	/* the templates_dir they were found in */

/* qsort/bsearch comparison of two char * elements. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Forget the language list (it is rebuilt on the next use). */
static void
langs_free(void)
{
	size_t	i;

	for (i = 0; i < nlangs; i++)
		free(langs[i]);
	free(langs);
	free(langs_dir);
	langs = NULL;
	nlangs = 0;
	langs_dir = NULL;
}

/* Scan templates_dir for languages, unless it was scanned already. */
static void
langs_scan(void)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		*path;
	size_t		 cap = 0;

	if (langs_dir != NULL && strcmp(langs_dir, cf->templates_dir) == 0)
		return;
	langs_free();
	langs_dir = xstrdup(cf->templates_dir);
	if ((d = opendir(cf->templates_dir)) == NULL) {
		log_err("mail templates: %s: %s", cf->templates_dir,
		    strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!lang_syntax_ok(de->d_name))
			continue;
		path = xasprintf("%s/%s/%s.txt", cf->templates_dir, de->d_name,
		    LANGUAGE_MARK);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (nlangs == cap) {
				cap = cap ? cap * 2 : 8;
				langs = xrealloc(langs, cap * sizeof(*langs));
			}
			langs[nlangs++] = xstrdup(de->d_name);
		}
		free(path);
	}
	closedir(d);
	if (nlangs > 0)
		qsort(langs, nlangs, sizeof(*langs), cmp_str);
	else
		log_warn("mail templates: no language in %s has %s.txt",
		    cf->templates_dir, LANGUAGE_MARK);
}

size_t
mail_languages(const char *const **codes)
{
	langs_scan();
	*codes = (const char *const *)langs;
	return nlangs;
}

bool
mail_language_ok(const char *code)
{
	if (code == NULL)
		return false;
	langs_scan();
	return nlangs > 0 && bsearch(&code, langs, nlangs, sizeof(*langs),
	    cmp_str) != NULL;
}

/* ISO 639-1 codes likely to be asked for, with their English names. */
static const struct {
	const char	*code;
	const char	*name;
} language_names[] = {
	{ "af", "Afrikaans" },	{ "ar", "Arabic" },	{ "bg", "Bulgarian" },
	{ "bn", "Bengali" },	{ "ca", "Catalan" },	{ "cs", "Czech" },
	{ "cy", "Welsh" },	{ "da", "Danish" },	{ "de", "German" },
	{ "el", "Greek" },	{ "en", "English" },	{ "eo", "Esperanto" },
	{ "es", "Spanish" },	{ "et", "Estonian" },	{ "eu", "Basque" },
	{ "fa", "Persian" },	{ "fi", "Finnish" },	{ "fr", "French" },
	{ "fy", "Western Frisian" }, { "ga", "Irish" },	{ "gl", "Galician" },
	{ "he", "Hebrew" },	{ "hi", "Hindi" },	{ "hr", "Croatian" },
	{ "hu", "Hungarian" },	{ "id", "Indonesian" },	{ "is", "Icelandic" },
	{ "it", "Italian" },	{ "ja", "Japanese" },	{ "ko", "Korean" },
	{ "lt", "Lithuanian" },	{ "lv", "Latvian" },	{ "ms", "Malay" },
	{ "nb", "Norwegian Bokm\xc3\xa5l" }, { "nl", "Dutch" },
	{ "nn", "Norwegian Nynorsk" }, { "no", "Norwegian" },
	{ "pl", "Polish" },	{ "pt", "Portuguese" },	{ "ro", "Romanian" },
	{ "ru", "Russian" },	{ "sk", "Slovak" },	{ "sl", "Slovenian" },
	{ "sq", "Albanian" },	{ "sr", "Serbian" },	{ "sv", "Swedish" },
	{ "sw", "Swahili" },	{ "ta", "Tamil" },	{ "th", "Thai" },
	{ "tr", "Turkish" },	{ "uk", "Ukrainian" },	{ "ur", "Urdu" },
	{ "vi", "Vietnamese" },	{ "zh", "Chinese" },
};

const char *
mail_language_name(const char *code)
{
	size_t	i;

	if (code == NULL)
		return "";
	for (i = 0; i < sizeof(language_names) / sizeof(language_names[0]);
	    i++)
		if (strcmp(language_names[i].code, code) == 0)
			return language_names[i].name;
	return code;
}

/* ------------------------------------------------------------- templates */

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
mail_cache_clear(void)
{
	struct tmpl	*t;

	while ((t = cache) != NULL) {
		cache = t->next;
		tmpl_free(t);
	}
	ncache = 0;
	langs_free();
}

/* Is s[0..len) well-formed UTF-8 (no overlongs, surrogates, NULs)? */
static bool
utf8_ok(const unsigned char *s, size_t len)
{
	size_t		i = 0, n, k;
	uint32_t	c;

	while (i < len) {
		if (s[i] == 0)
			return false;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			c = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			c = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			c = s[i] & 0x07;
		} else
			return false;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) ||
		    (n == 3 && (c < 0x10000 || c > 0x10ffff)) ||
		    (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
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
	if (!utf8_ok((const unsigned char *)text.s, text.len)) {
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
mail_render(const char *name, const char *lang, const struct mail_var *vars,
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

/* ----------------------------------------------------- message composing */

static const char	b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Append p[0..n) to out in base64 (RFC 4648, padded). */
static void
base64(struct buf *out, const unsigned char *p, size_t n)
{
	uint32_t	v;
	char		q[4];

	for (; n >= 3; p += 3, n -= 3) {
		v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = b64[(v >> 6) & 63];
		q[3] = b64[v & 63];
		buf_add(out, q, 4);
	}
	if (n > 0) {
		v = (uint32_t)p[0] << 16 | (n > 1 ? (uint32_t)p[1] << 8 : 0);
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = n > 1 ? b64[(v >> 6) & 63] : '=';
		q[3] = '=';
		buf_add(out, q, 4);
	}
}

/*
 * Whether header text s must be written as RFC 2047 encoded-words: bytes
 * outside printable ASCII, text that would read as an encoded-word, or a
 * word too long to fold.
 */
static bool
needs_encoding(const char *s)
{
	size_t	word = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return true;
		if (s[0] == '=' && s[1] == '?')
			return true;
		word = *s == ' ' ? 0 : word + 1;
		if (word > HEADER_WIDTH - 12)
			return true;
	}
	return false;
}

/*
 * Append text s as the value of a header whose line so far is col octets
 * long: folded at spaces when ASCII, else as UTF-8 "B" encoded-words of
 * whole characters, each line within HEADER_WIDTH.  Ends with CRLF.
 */
static void
header_text(struct buf *out, const char *s, size_t col)
{
	const char	*sp;
	size_t		 n, len, w;
	bool		 first = true;

	if (!needs_encoding(s)) {
		for (;; s = sp + 1) {
			sp = strchr(s, ' ');
			w = sp ? (size_t)(sp - s) : strlen(s);
			if (!first && col + 1 + w > HEADER_WIDTH) {
				buf_adds(out, "\r\n ");
				col = 1;
			} else if (!first) {
				buf_addc(out, ' ');
				col++;
			}
			buf_add(out, s, w);
			col += w;
			first = false;
			if (sp == NULL)
				break;
		}
		buf_adds(out, "\r\n");
		return;
	}
	/*
	 * 42 octets make 56 base64 characters: "=?UTF-8?B?" + 56 + "?=" is
	 * 68, which fits after "Subject: " within 78.
	 */
	for (len = strlen(s); len > 0; s += n, len -= n) {
		n = len < 42 ? len : 42;
		/* Never split a UTF-8 sequence between two words. */
		while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			n = len < 42 ? len : 42;
		if (!first)
			buf_adds(out, "\r\n ");
		buf_adds(out, "=?UTF-8?B?");
		base64(out, (const unsigned char *)s, n);
		buf_adds(out, "?=");
		first = false;
	}
	buf_adds(out, "\r\n");
}

/* Is s empty, or does it hold a control character (header injection)? */
static bool
bad_header_value(const char *s)
{
	if (s == NULL || *s == '\0')
		return true;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

char *
mail_address(const char *from)
{
	const char	*lt, *gt, *e;

	if ((lt = strrchr(from, '<')) != NULL &&
	    (gt = strchr(lt, '>')) != NULL)
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	while (*from == ' ' || *from == '\t')
		from++;
	for (e = from + strlen(from); e > from && (e[-1] == ' ' ||
	    e[-1] == '\t'); e--)
		;
	return xstrndup(from, (size_t)(e - from));
}

/* The From header: "Name <addr>" with Name encoded when not ASCII. */
static void
header_from(struct buf *out, const char *from)
{
	const char	*lt, *e;
	char		*name;

	lt = strrchr(from, '<');
	for (e = lt; e != NULL && e > from && e[-1] == ' '; e--)
		;
	if (lt == NULL || e == from) {
		buf_printf(out, "From: %s\r\n", from);
		return;
	}
	name = xstrndup(from, (size_t)(e - from));
	buf_adds(out, "From: ");
	if (needs_encoding(name)) {
		/* The encoded name then the address on a folded line. */
		header_text(out, name, 6);
		out->len -= 2;		/* drop the CRLF: the address follows */
		out->s[out->len] = '\0';
		buf_printf(out, "\r\n %s\r\n", lt);
	} else
		buf_printf(out, "%s %s\r\n", name, lt);
	free(name);
}

/* Append "Date: ..." for now, in RFC 5322 form, locale-independent. */
static void
header_date(struct buf *out)
{
	static const char	*const days[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char	*const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm		 tm;
	time_t			 now;

	now = time(NULL);
	gmtime_r(&now, &tm);
	buf_printf(out, "Date: %s, %d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Append "Message-ID: <random@domain-of-from>". */
static void
header_message_id(struct buf *out, const char *from)
{
	static unsigned long	 counter;
	unsigned char		 r[16];
	char			*addr, *dom;
	size_t			 i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* Unique still, if not unguessable: time, pid, counter. */
		memset(r, 0, sizeof(r));
		snprintf((char *)r, sizeof(r), "%lx%x%lx",
		    (unsigned long)time(NULL), (unsigned)getpid(), counter++);
	}
	addr = mail_address(from);
	dom = strrchr(addr, '@');
	dom = dom != NULL && dom[1] != '\0' ? dom + 1 : NULL;
	for (i = 0; dom != NULL && dom[i] != '\0'; i++)
		if (!isalnum((unsigned char)dom[i]) && dom[i] != '.' &&
		    dom[i] != '-')
			dom = NULL;
	buf_adds(out, "Message-ID: <");
	for (i = 0; i < sizeof(r); i++)
		buf_printf(out, "%02x", r[i]);
	buf_printf(out, "@%s>\r\n", dom != NULL ? dom : "localhost");
	free(addr);
}

/*
 * Append body as quoted-printable (RFC 2045 6.7): LF or CRLF line ends
 * become CRLF, lines longer than QP_WIDTH get soft breaks, "=", bytes
 * outside printable ASCII and whitespace at a line's end are encoded.
 * A line starting "From " gets its F encoded (mbox-safe).
 */
static void
quoted_printable(struct buf *out, const char *body)
{
	const unsigned char	*p, *e, *nl;
	size_t			 col, tl;
	char			 tok[4];

	for (p = (const unsigned char *)body; *p != '\0'; p = nl + 1) {
		nl = (const unsigned char *)strchr((const char *)p, '\n');
		if (nl == NULL)
			nl = p + strlen((const char *)p);
		e = nl;
		if (e > p && e[-1] == '\r')
			e--;
		for (col = 0; p < e; p++) {
			if (((*p >= 33 && *p <= 126 && *p != '=') ||
			    ((*p == ' ' || *p == '\t') && p + 1 < e)) &&
			    !(col == 0 && *p == 'F' && e - p >= 5 &&
			    memcmp(p, "From ", 5) == 0)) {
				tok[0] = (char)*p;
				tl = 1;
			} else {
				snprintf(tok, sizeof(tok), "=%02X", *p);
				tl = 3;
			}
			if (col + tl > QP_WIDTH - 1) {
				buf_adds(out, "=\r\n");
				col = 0;
			}
			buf_add(out, tok, tl);
			col += tl;
		}
		buf_adds(out, "\r\n");
		if (*nl == '\0')
			break;
	}
}

char *
mail_message(const char *from, const char *to, const char *subject,
    const char *body)
{
	struct buf	 m = { 0 };
	char		*subj, *q;

	if (bad_header_value(from) || bad_header_value(to)) {
		log_err("mail: sender or recipient empty or holding a "
		    "control character");
		return NULL;
	}
	/* A line break in a subject must not start a header of its own. */
	subj = xstrdup(subject != NULL ? subject : "");
	for (q = subj; *q != '\0'; q++)
		if (*q == '\r' || *q == '\n' || *q == '\t')
			*q = ' ';
	header_date(&m);
	header_from(&m, from);
	buf_printf(&m, "To: %s\r\n", to);
	buf_adds(&m, "Subject: ");
	header_text(&m, subj, 9);
	header_message_id(&m, from);
	buf_adds(&m, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n");
	quoted_printable(&m, body != NULL ? body : "");
	free(subj);
	return buf_take(&m);
}

/* ----------------------------------------------------------------- queue */

int
mail_queue(const char *to, const char *subject, const char *body)
{
	long long	 id;
	const char	*dom;

	if (bad_header_value(to)) {
		log_err("mail: not queued: bad recipient");
		return -1;
	}
	if (db_mail_insert(to, subject, body, &id) == -1 ||
	    db_mail_notify() == -1) {
		log_err("mail: could not queue a mail");
		return -1;
	}
	dom = strrchr(to, '@');
	log_debug("mail %lld queued for @%s", id, dom ? dom + 1 : "?");
	return 0;
}

int
mail_queue_template(const char *to, const char *name, const char *lang,
    const struct mail_var *vars, size_t nvars)
{
	char	*subject, *body;
	int	 rc;

	if (mail_render(name, lang, vars, nvars, &subject, &body) == -1)
		return -1;
	rc = mail_queue(to, subject, body);
	free(subject);
	xfreezero(body, strlen(body));	/* it shows a code or a link */
	return rc;
}
