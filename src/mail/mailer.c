/* signet: the mailer: drains the mail outbox through SMTP.  ISC licence. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/conf.h"
#include "base/log.h"
#include "db/db.h"
#include "db/mail.h"
#include "mail/mailer.h"
#include "mail/message.h"
#include "mail/submit.h"

/*
 * Retry policy (mailer_retry_delay()).  After the n-th failed attempt the
 * next one is due RETRY_BASE * 2^(n-1) seconds later, at most RETRY_CAP:
 * 5, 10, 20, 40, 80, 160, 300, 300... s.  The first steps are short on
 * purpose: codes in these mails live 15 minutes, and an SMTP server that
 * is away for a minute should cost its mails seconds, not hours (a mail
 * queued at the start of a one-minute outage goes out at most ~15 s after
 * the server is back).  The cap keeps a long outage from pushing retries far past its
 * end.  With the default mail_max_attempts (10) a mail is given up after
 * about 20 minutes of failures, when any code in it has expired anyway;
 * raise mail_max_attempts to ride out longer outages (each attempt past
 * the seventh adds 5 minutes).
 */
#define RETRY_BASE	5
#define RETRY_CAP	300

/*
 * The loop sleeps until a NOTIFY, the next due row, or WAIT_MAX_MS,
 * whichever comes first: the timeout bounds the delay when a NOTIFY is
 * lost (pgbouncer in transaction mode does not carry LISTEN: set
 * mailer_database to reach PostgreSQL directly).  A due row
 * we could not claim is held by another mailer: look again after
 * WAIT_LOCKED_MS instead of spinning.
 */
#define WAIT_MAX_MS	5000
#define WAIT_LOCKED_MS	1000

/* Database down: retry after 250 ms, doubling up to 5 s. */
#define DB_RETRY_MIN_MS	250
#define DB_RETRY_MAX_MS	5000

static volatile sig_atomic_t	stop;

/* SIGTERM/SIGINT: only set the flag; the loop acts on it. */
static void
on_term(int sig)
{
	stop = 1;
}

/* Is a SIGTERM or SIGINT waiting (they are blocked outside waits)? */
static bool
term_pending(void)
{
	sigset_t	set;

	if (sigpending(&set) == -1)
		return false;
	return sigismember(&set, SIGTERM) == 1 ||
	    sigismember(&set, SIGINT) == 1;
}

/*
 * Sleep up to ms milliseconds, or until fd (if not -1) is readable, with
 * SIGTERM/SIGINT let through only here (so a mail being sent is always
 * finished and recorded before we stop).  Returns 1 if fd is readable, 0
 * on timeout or signal, -1 on error (logged).
 */
static int
wait_for(int fd, int ms, const sigset_t *waitmask)
{
	struct pollfd	pfd;
	struct timespec	ts;
	int		n;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	n = ppoll(fd >= 0 ? &pfd : NULL, fd >= 0 ? 1 : 0, &ts, waitmask);
	if (n == -1) {
		if (errno == EINTR)
			return 0;
		log_err("mailer: ppoll: %s", strerror(errno));
		return -1;
	}
	return n > 0 ? 1 : 0;
}

/* The domain of address, escaped for the log (the only part we log). */
static const char *
domain_of(const char *addr, char *buf, size_t sz)
{
	const char	*at;

	at = strrchr(addr, '@');
	at = at != NULL ? at + 1 : "?";
	return log_escape(buf, sz, at, strlen(at));
}

long
mailer_retry_delay(long attempts)
{
	if (attempts < 0)
		attempts = 0;
	if (attempts >= 10)
		return RETRY_CAP;
	return RETRY_BASE << attempts > RETRY_CAP ? RETRY_CAP :
	    RETRY_BASE << attempts;
}

/*
 * Claim one due mail, send it, record the outcome and commit: one row per
 * transaction, so the commit follows the SMTP server's acceptance as
 * closely as it can.  Delivery is at least once: if we die, or the
 * database goes, between the server's "250" and our COMMIT, the row is
 * still unsent when the lock goes and that one mail goes out again.  Any
 * other failure leaves it unsent and retried, never lost.
 * Returns 1 when a mail was handled (sent or not), 0 when none is due, -1
 * when the database failed.
 */
static int
send_one(void)
{
	struct outbox_mail	 m;
	struct submit_result	 res;
	char			*msg, dom[80];
	long			 max, delay;
	bool			 sent = false;
	int			 rc, found;

	if (db_begin() == -1)
		return -1;
	if ((found = db_mail_claim(&m)) != 1) {
		db_rollback();
		return found;
	}
	domain_of(m.recipient, dom, sizeof(dom));
	memset(&res, 0, sizeof(res));
	msg = message_compose(cf->mail_from, m.recipient, m.subject, m.body);
	if (msg == NULL) {
		snprintf(res.err, sizeof(res.err), "cannot compose the message: "
		    "bad sender or recipient address");
		snprintf(res.brief, sizeof(res.brief), "%s", res.err);
		res.permanent = true;
	} else
		sent = submit_message(m.recipient, msg, &res) == 0;
	free(msg);

	max = res.permanent ? m.attempts + 1 : cf->mail_max_attempts;
	delay = mailer_retry_delay(m.attempts);
	if (sent)
		rc = db_mail_sent(m.id);
	else
		rc = db_mail_failed(m.id, res.err, delay, m.attempts + 1 >= max);
	if (rc == -1 || db_commit() == -1) {
		db_rollback();
		if (sent)
			log_err("mail %lld to @%s was accepted by the SMTP "
			    "server but could not be marked sent: it may go "
			    "out twice", m.id, dom);
		db_mail_free(&m);
		return -1;
	}

	if (sent && res.noauth)
		log_warn("mail %lld to @%s sent, but without AUTH as "
		    "smtp_user: the server did not offer it or refused it",
		    m.id, dom);
	else if (sent)
		log_info("mail %lld to @%s sent", m.id, dom);
	else if (m.attempts + 1 >= max)
		log_err("mail %lld to @%s failed (attempt %ld of %ld), giving "
		    "up: %s", m.id, dom, m.attempts + 1, max, res.brief);
	else
		log_warn("mail %lld to @%s failed (attempt %ld of %ld), retry "
		    "in %ld s: %s", m.id, dom, m.attempts + 1, max, delay,
		    res.brief);
	db_mail_free(&m);
	return 1;
}

/*
 * Send every due mail.  Returns 0 when none is left due to us, or -1 when
 * the database failed.  Stops early when SIGTERM/SIGINT waits.
 */
static int
drain(void)
{
	int	rc;

	while (!term_pending())
		if ((rc = send_one()) <= 0)
			return rc;
	return 0;
}

/*
 * How long to sleep: until the next row falls due, within WAIT_MAX_MS;
 * WAIT_LOCKED_MS when one is due already (another mailer holds it).
 * Returns milliseconds, or -1 when the database failed.
 */
static int
sleep_ms(void)
{
	double	due;

	if (db_mail_next_due(&due) == -1)
		return -1;
	if (due < 0 || due * 1000 >= WAIT_MAX_MS)
		return WAIT_MAX_MS;
	if (due <= 0)
		return WAIT_LOCKED_MS;
	return (int)(due * 1000) + 10;	/* just past it, not just before */
}

int
mailer_run(void)
{
	struct sigaction	 sa;
	sigset_t		 block, waitmask;
	unsigned long		 listening = 0;
	int			 retry = DB_RETRY_MIN_MS, ms;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);	/* the master replaces us on reload */
	signal(SIGPIPE, SIG_IGN);	/* libesmtp writes to closed sockets */
	signal(SIGCHLD, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	/* SIGTERM/SIGINT get through only while we wait: see wait_for(). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_SETMASK, &block, NULL);
	sigemptyset(&waitmask);

	/* Our LISTEN needs a session: mailer_database may bypass a pooler. */
	db_use_mailer_database();
	submit_init();
	log_info("mailer started: SMTP server %s, STARTTLS %s%s%s",
	    cf->smtp_server, cf->smtp_starttls,
	    *cf->smtp_user != '\0' ? ", AUTH" : "",
	    *cf->mailer_database != '\0' ? ", database: mailer_database" :
	    "");
	while (!stop) {
		if (term_pending()) {
			(void)wait_for(-1, 0, &waitmask);
			continue;
		}
		if (!db_ready())
			goto db_failed;
		/* A new connection (ours, or db.c's reconnect): LISTEN again. */
		if (db_generation() != listening) {
			if (db_listen("signet_mail") == -1)
				goto db_failed;
			listening = db_generation();
			log_debug("mailer: listening on signet_mail");
		}
		if (drain() == -1)
			goto db_failed;
		retry = DB_RETRY_MIN_MS;
		/* A NOTIFY that came while we were sending: look again. */
		if (db_notifications(false) == 1)
			continue;
		if ((ms = sleep_ms()) == -1)
			goto db_failed;
		if (wait_for(db_socket(), ms, &waitmask) == 1)
			(void)db_notifications(true);
		continue;
db_failed:
		/* db.c logged why; back off, then reconnect. */
		db_rollback();
		if (db_down())
			db_close();
		(void)wait_for(-1, retry, &waitmask);
		retry = retry * 2 > DB_RETRY_MAX_MS ? DB_RETRY_MAX_MS :
		    retry * 2;
	}
	submit_exit();
	db_close();
	log_info("mailer stopped");
	return 0;
}
