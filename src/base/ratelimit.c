/* signet: windows that let one line of a kind through.  ISC licence. */
#include "config.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ratelimit.h"

/* Slots looked at for a key before one is taken over. */
#define RL_PROBES	4

uint64_t
rl_key(const char *s)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h != 0 ? h : 1;
}

/*
 * The slot of key: the one holding it, else a free one it takes, among
 * RL_PROBES from its home; else its home slot, taken over (the kind that
 * held it loses its unreported count: with RL_SLOTS kinds of line at once
 * that is the least of the log's problems).
 */
static struct rl_slot *
slot_of(struct rl_slot *tab, size_t n, uint64_t key)
{
	struct rl_slot	*s;
	uint64_t	 k;
	size_t		 i, home = (size_t)(key % n);

	for (i = 0; i < RL_PROBES && i < n; i++) {
		s = &tab[(home + i) % n];
		k = atomic_load(&s->key);
		if (k == key)
			return s;
		if (k == 0) {
			if (atomic_compare_exchange_strong(&s->key, &k, key) ||
			    k == key)
				return s;
		}
	}
	s = &tab[home];
	atomic_store(&s->start, 0);
	atomic_store(&s->count, 0);
	atomic_store(&s->key, key);
	return s;
}

long
rl_hit(struct rl_slot *tab, size_t n, uint64_t key, long now, long window,
    size_t *slot, long *opened)
{
	struct rl_slot	*s = slot_of(tab, n, key);
	long		 start;

	*slot = (size_t)(s - tab);
	start = atomic_load(&s->start);
	if (start != 0 && now < start + window) {
		atomic_fetch_add(&s->count, 1);
		return -1;
	}
	/* Open the window; a process that got there first opened it. */
	if (!atomic_compare_exchange_strong(&s->start, &start, now)) {
		atomic_fetch_add(&s->count, 1);
		return -1;
	}
	*opened = now;
	return atomic_exchange(&s->count, 0);
}

long
rl_closed(struct rl_slot *tab, size_t slot, uint64_t key, long opened,
    long now, long window)
{
	struct rl_slot	*s = &tab[slot];

	if (atomic_load(&s->key) != key || atomic_load(&s->start) != opened)
		return 0;
	if (now < opened + window)
		return -1;
	return atomic_exchange(&s->count, 0);
}
