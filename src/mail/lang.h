/* signet: the languages signet has mail templates for.  ISC licence. */
#ifndef SIGNET_MAIL_LANG_H
#define SIGNET_MAIL_LANG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The one language registry: the languages of the mails (a directory of
 * templates_dir per language), which is also the list the personalities
 * offer (Unicat's cc.languages, FreeSewing's languages).
 */

/*
 * A language tag as a directory name may carry it: 2-3 letters, then
 * optional "-" or "_" subtags of 1-8 letters or digits ("pt-BR",
 * "zh_Hant").  Anything else (dots, slashes) never reaches a path.
 */
bool	 lang_syntax_ok(const char *s);

/*
 * The languages that have templates: the directories of templates_dir
 * holding a signup_code.txt, scanned once per process (again if
 * templates_dir changes), sorted.  *codes points into storage owned by
 * this module, valid until the next scan; returns how many there are.
 */
size_t	 lang_list(const char *const **codes);

/* A number that changes whenever lang_list() is scanned again. */
unsigned long	 lang_generation(void);

/* Does code name a language that has templates (see lang_list())? */
bool	 lang_ok(const char *code);

/* The English name of an ISO 639-1 code ("nl" -> "Dutch"); unknown: code. */
const char *lang_name(const char *code);

/* Forget the language list (reload, tests). */
void	 lang_clear(void);

#endif
