/* signet: the mailer: drains the mail outbox through SMTP.  ISC licence. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mailer.h"

static volatile sig_atomic_t	stop;

static void
on_term(int sig)
{
	stop = 1;
}

int
mailer_run(void)
{
	struct sigaction	sa;
	sigset_t		none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	while (!stop)
		pause();
	return 0;
}
