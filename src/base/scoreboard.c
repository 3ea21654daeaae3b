/* signet: memory shared by the master and its children.  ISC licence. */
#include "config.h"

#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/log.h"
#include "base/scoreboard.h"

struct scoreboard	*sb;
int			 sb_slot = -1;

void
scoreboard_init(unsigned permits)
{
	sb = mmap(NULL, sizeof(*sb), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sb == MAP_FAILED) {
		log_crit("mmap: %s", strerror(errno));
		exit(1);
	}
	memset(sb, 0, sizeof(*sb));
	if (sem_init(&sb->hash_sem, 1, permits) == -1) {
		log_crit("sem_init: %s", strerror(errno));
		exit(1);
	}
	log_share(sb->lograte);
}

void
scoreboard_busy(const char *route)
{
	if (sb == NULL || sb_slot < 0)
		return;
	snprintf(sb->slots[sb_slot].route, sizeof(sb->slots[sb_slot].route),
	    "%s", route ? route : "");
}

void
scoreboard_hash_enter(void)
{
	if (sb == NULL)
		return;
	while (sem_wait(&sb->hash_sem) == -1 && errno == EINTR)
		continue;
	if (sb_slot >= 0)
		sb->slots[sb_slot].hashing = 1;
}

void
scoreboard_hash_leave(void)
{
	if (sb == NULL)
		return;
	if (sb_slot >= 0)
		sb->slots[sb_slot].hashing = 0;
	sem_post(&sb->hash_sem);
}

void
scoreboard_reclaim(int i)
{
	if (sb->slots[i].hashing) {
		sb->slots[i].hashing = 0;
		sem_post(&sb->hash_sem);
	}
}
