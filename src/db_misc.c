/* signet: queries that belong to no one noun.  ISC licence. */
#include "config.h"

#include "db.h"
#include "db_misc.h"

/* GET /api/health */
int
db_ping(void)
{
	static struct stmt	st = STMT("ping", "SELECT 1", 0);

	return db_exec(&st, NULL);
}
