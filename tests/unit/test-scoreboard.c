/* Unit tests: the hash permits, across processes and their deaths. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/scoreboard.h"

/* A pipe a child writes a byte to when it got (or failed to get) a permit. */
static int	told[2], go[2];

static void
setup(void)
{
	scoreboard_init(NULL, 2, 2);
	ck_assert_int_eq(pipe(told), 0);
	ck_assert_int_eq(pipe(go), 0);
}

static void
say(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(3);
}

static char
hear(int fd)
{
	char	c = 0;

	ck_assert_int_eq(read(fd, &c, 1), 1);
	return c;
}

/*
 * A child that asks for a permit (waiting up to wait_ms), says its name or
 * 'n' on told, then holds it until told to go (or forever, to be killed).
 */
static pid_t
child_named(char name, long wait_ms, bool hold_forever)
{
	pid_t	pid;
	char	c;

	if ((pid = fork()) != 0)
		return pid;
	if (scoreboard_hash_enter(wait_ms) == -1) {
		say(told[1], 'n');
		_exit(0);
	}
	say(told[1], name);
	if (hold_forever)
		for (;;)
			pause();
	if (read(go[0], &c, 1) != 1)
		_exit(3);
	scoreboard_hash_leave();
	_exit(0);
}

/* A child that says 'y' when it has the permit. */
static pid_t
child(long wait_ms, bool hold_forever)
{
	return child_named('y', wait_ms, hold_forever);
}

static void
state(int *holding, int *waiting)
{
	scoreboard_permits(holding, waiting);
}

/* Wait (boundedly) until holding and waiting reach the given counts. */
static void
settle(int holding, int waiting)
{
	int	h, w, i;

	for (i = 0; i < 500; i++) {
		state(&h, &w);
		if (h == holding && w == waiting)
			return;
		usleep(10 * 1000);
	}
	ck_abort_msg("permits: %d holding, %d waiting; wanted %d, %d", h, w,
	    holding, waiting);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

START_TEST(take_and_give)
{
	int	h, w;

	ck_assert_int_eq(scoreboard_hash_enter(0), 0);
	state(&h, &w);
	ck_assert_int_eq(h, 1);
	scoreboard_hash_leave();
	state(&h, &w);
	ck_assert_int_eq(h, 0);
	ck_assert_int_eq(w, 0);
}
END_TEST

/* A waiter gets the permit the moment a holder gives it back. */
START_TEST(wait_then_get)
{
	pid_t	a, b, c;

	a = child(0, false);
	ck_assert_int_eq(hear(told[0]), 'y');
	b = child(0, false);
	ck_assert_int_eq(hear(told[0]), 'y');
	c = child(10000, false);
	settle(2, 1);
	say(go[1], 'g');			/* a or b gives one back */
	ck_assert_int_eq(hear(told[0]), 'y');	/* c has it */
	say(go[1], 'g');
	say(go[1], 'g');
	ck_assert_int_eq(waitpid(a, NULL, 0), a);
	ck_assert_int_eq(waitpid(b, NULL, 0), b);
	ck_assert_int_eq(waitpid(c, NULL, 0), c);
	settle(0, 0);
}
END_TEST

/*
 * Permits go in the order they were asked for: one given back is the
 * longest waiter's even before it runs, and neither a later waiter nor a
 * newcomer takes it first.
 */
START_TEST(in_order)
{
	pid_t	a, b, c, d;

	a = child(0, false);
	ck_assert_int_eq(hear(told[0]), 'y');
	b = child(0, false);
	ck_assert_int_eq(hear(told[0]), 'y');
	c = child_named('c', 10000, false);
	settle(2, 1);
	d = child_named('d', 10000, false);
	settle(2, 2);
	ck_assert_int_eq(kill(c, SIGSTOP), 0);
	say(go[1], 'g');			/* a or b gives one back */
	settle(2, 1);				/* to c, stopped */
	ck_assert_int_eq(scoreboard_hash_enter(0), -1);
	ck_assert_int_eq(kill(c, SIGCONT), 0);
	ck_assert_int_eq(hear(told[0]), 'c');
	say(go[1], 'g');			/* the other of a and b, or c */
	ck_assert_int_eq(hear(told[0]), 'd');
	say(go[1], 'g');
	say(go[1], 'g');
	ck_assert_int_eq(waitpid(a, NULL, 0), a);
	ck_assert_int_eq(waitpid(b, NULL, 0), b);
	ck_assert_int_eq(waitpid(c, NULL, 0), c);
	ck_assert_int_eq(waitpid(d, NULL, 0), d);
	settle(0, 0);
}
END_TEST

/* The wait is bounded; a full queue is refused at once. */
START_TEST(bounded)
{
	struct timespec	t0;
	pid_t		k[4];
	int		i;

	k[0] = child(0, false);
	k[1] = child(0, false);
	ck_assert_int_eq(hear(told[0]), 'y');
	ck_assert_int_eq(hear(told[0]), 'y');
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(scoreboard_hash_enter(150), -1);
	ck_assert_int_ge(ms_since(&t0), 140);
	k[2] = child(10000, false);
	k[3] = child(10000, false);
	settle(2, 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(scoreboard_hash_enter(10000), -1);
	ck_assert_int_lt(ms_since(&t0), 1000);	/* at once, not after 10 s */
	for (i = 0; i < 4; i++)
		say(go[1], 'g');
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(waitpid(k[i], NULL, 0), k[i]);
	settle(0, 0);
}
END_TEST

/* A holder killed: the master gives its permit back. */
START_TEST(killed_holder_reclaimed)
{
	pid_t	a, b;
	int	st;

	a = child(0, true);
	b = child(0, true);
	ck_assert_int_eq(hear(told[0]), 'y');
	ck_assert_int_eq(hear(told[0]), 'y');
	kill(a, SIGKILL);
	ck_assert_int_eq(waitpid(a, &st, 0), a);
	scoreboard_reclaim(a);			/* what master.c's reap() does */
	settle(1, 0);
	ck_assert_int_eq(scoreboard_hash_enter(0), 0);
	scoreboard_hash_leave();
	kill(b, SIGKILL);
	ck_assert_int_eq(waitpid(b, &st, 0), b);
	scoreboard_reclaim(b);
	settle(0, 0);
}
END_TEST

/* Without a master (workers = 0), the next waiter finds the dead holder. */
START_TEST(killed_holder_found)
{
	pid_t	a, b;

	a = child(0, true);
	b = child(0, true);
	ck_assert_int_eq(hear(told[0]), 'y');
	ck_assert_int_eq(hear(told[0]), 'y');
	kill(a, SIGKILL);
	ck_assert_int_eq(waitpid(a, NULL, 0), a);
	ck_assert_int_eq(scoreboard_hash_enter(2000), 0);
	scoreboard_hash_leave();
	kill(b, SIGKILL);
	ck_assert_int_eq(waitpid(b, NULL, 0), b);
}
END_TEST

/* Killed inside the lock, the worst moment: nothing is lost. */
START_TEST(killed_in_the_lock)
{
	pid_t	a;
	int	i;

	for (i = 0; i < 3; i++) {
		if ((a = fork()) == 0) {
			pthread_mutex_lock(&sb->permits.lock);
			if (i > 0) {	/* and with a permit held */
				sb->permits.recs[i].pid = getpid();
				sb->permits.recs[i].state = PERMIT_HOLDING;
			}
			say(told[1], 'l');
			for (;;)
				pause();
		}
		ck_assert_int_eq(hear(told[0]), 'l');
		kill(a, SIGKILL);
		ck_assert_int_eq(waitpid(a, NULL, 0), a);
		scoreboard_reclaim(a);		/* takes the lock it left */
		ck_assert_int_eq(scoreboard_hash_enter(2000), 0);
		scoreboard_hash_leave();
	}
	settle(0, 0);
}
END_TEST

/* workers = 0: processes started apart share one count through a name. */
START_TEST(named_region)
{
	char	name[64];
	pid_t	a;
	char	c;

	scoreboard_name("/nonexistent/signet-test.conf", name);
	ck_assert(strncmp(name, "/signet-", 8) == 0);
	(void)shm_unlink(name);
	if ((a = fork()) == 0) {
		sb = NULL;
		scoreboard_init(name, 1, 1);
		if (scoreboard_hash_enter(0) == -1)
			_exit(2);
		say(told[1], 'y');
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		scoreboard_hash_leave();
		_exit(0);
	}
	ck_assert_int_eq(hear(told[0]), 'y');
	sb = NULL;
	scoreboard_init(name, 1, 1);
	ck_assert_int_eq(scoreboard_hash_enter(100), -1);	/* theirs */
	say(go[1], 'g');
	ck_assert_int_eq(scoreboard_hash_enter(5000), 0);
	scoreboard_hash_leave();
	ck_assert_int_eq(waitpid(a, NULL, 0), a);
	ck_assert_int_eq(shm_unlink(name), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("scoreboard");
	TCase	*tc = tcase_create("permits");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, take_and_give);
	tcase_add_test(tc, wait_then_get);
	tcase_add_test(tc, in_order);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, killed_holder_reclaimed);
	tcase_add_test(tc, killed_holder_found);
	tcase_add_test(tc, killed_in_the_lock);
	tcase_add_test(tc, named_region);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
