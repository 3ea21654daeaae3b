/* signet: what went wrong, independent of the wire format.  ISC licence. */
#include "config.h"

#include <string.h>

#include "core/problem.h"
#include "db/db.h"

void
problem_field(struct problem *p, const char *field, const char *reason)
{
	size_t	i;

	p->kind = PROB_VALIDATION;
	for (i = 0; i < p->nverrs; i++)
		if (p->verrs[i].field == field)
			return;		/* first reason per field wins */
	if (p->nverrs < VERR_MAX) {
		p->verrs[p->nverrs].field = field;
		p->verrs[p->nverrs].reason = reason;
		p->nverrs++;
	}
}

void
problem_db(struct problem *p)
{
	p->kind = db_down() ? PROB_UNAVAILABLE : PROB_INTERNAL;
}

/* The wire's name of field f by map, or f. */
static const char *
renamed(const char *f, const struct field_name *map, size_t n)
{
	size_t	i;

	for (i = 0; f != NULL && i < n; i++)
		if (strcmp(f, map[i].core) == 0)
			return map[i].wire;
	return f;
}

void
problem_rename(struct problem *p, const struct field_name *map, size_t n)
{
	size_t	i;

	p->field = renamed(p->field, map, n);
	for (i = 0; i < p->nverrs; i++)
		p->verrs[i].field = renamed(p->verrs[i].field, map, n);
}
