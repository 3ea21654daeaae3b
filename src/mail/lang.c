/* signet: the languages signet has mail templates for.  ISC licence. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "mail/lang.h"

/* The template whose presence makes a directory a language. */
#define LANGUAGE_MARK	"signup_code"


/*
 * A language tag as a directory name may carry it: 2-3 letters, then
 * optional "-" or "_" subtags of 1-8 letters or digits ("pt-BR", "zh_Hant").
 * Anything else (dots, slashes) never reaches a path.
 */
bool
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

static char	**langs;	/* sorted codes with templates */
static size_t	  nlangs;
static char	 *langs_dir;	/* the templates_dir they were found in */
static unsigned long	  scans;	/* lang_generation() */

/* qsort/bsearch comparison of two char * elements. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Forget the language list (it is rebuilt on the next use). */
void
lang_clear(void)
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
	lang_clear();
	scans++;
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
lang_list(const char *const **codes)
{
	langs_scan();
	*codes = (const char *const *)langs;
	return nlangs;
}

unsigned long
lang_generation(void)
{
	langs_scan();
	return scans;
}

bool
lang_ok(const char *code)
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
lang_name(const char *code)
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
