/* signet: what went wrong, independent of the wire format.  ISC licence. */
#include "config.h"

#include "db.h"
#include "problem.h"

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
