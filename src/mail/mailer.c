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
#include "base/metrics.h"
#include "db/db.h"
#include "db/mail.h"
#include "mail/mailer.h"
#include "mail/message.h"
#include "mail/submit.h"

/*
 * Retry policy (mailer_retry_delay()).  After the n-th failed attempt the
 * next one is due RETRY_BASE * 2^(n-1) seconds later, at most RETRY_CAP:
 * 5, 10, 20, 40, 80, 160, 300, 300... s.  The first steps are short on
 * purpose: codes in these mails live 15 minutes, and a server that
 * refuses mail for a minute should cost its mails seconds, not hours.  A
 * server that cannot be reached at all does not wait for these: see
 * PROBE_MS.  With the default mail_max_attempts (10) a mail is given up after
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

/*
 * An SMTP server that refused the connection or did not greet is looked
 * for every PROBE_MS (submit_probe(): a greeting and QUIT, no mail, no
 * attempt counted).  When it greets again, every mail that waits is made
 * due at once: without that, a mail that failed through an outage would
 * wait out its own retry delay (up to 5 minutes) after the server is back.
 * Meanwhile mails still get their attempts on their own schedule, so that
 * one queued in an outage is given up when its code has long expired.
 */
#define PROBE_MS	2000

static volatile sig_atomic_t	stop;

/* The last attempt or probe found the SMTP server unreachable. */
static bool			server_down;
static long long		next_probe_ms;	/* monotonic */

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

/* Milliseconds on the monotonic clock. */
static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An attempt or a probe found the server unreachable, for why. */
static void
server_lost(const char *why)
{
	if (!server_down)
		log_warn("mailer: SMTP server %s unreachable (%s): looking for "
		    "it every %d s", cf->smtp_server, why, PROBE_MS / 1000);
	server_down = true;
	next_probe_ms = now_ms() + PROBE_MS;
}

/*
 * The server took a mail, or greeted a probe, after it was unreachable:
 * every mail that waits is due now, for every mailer (NOTIFY).  Outside a
 * transaction.  Returns 0, or -1 when the database failed (the server
 * stays marked down, so the next probe tries again).
 */
static int
server_back(void)
{
	long long	n;

	if (db_mail_wake(&n) == -1 || (n > 0 && db_mail_notify() == -1))
		return -1;
	server_down = false;
	log_info("mailer: SMTP server %s answers again: %lld waiting mail%s "
	    "due now", cf->smtp_server, n, n == 1 ? "" : "s");
	return 0;
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
	char			*msg, dom[80], mid[MESSAGE_ID_MAX];
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
	/* One Message-ID per row, on every attempt: see message_id(). */
	message_id(mid, sizeof(mid), cf->mail_from, m.id, m.created_us,
	    cf->hmac_key, cf->hmac_keylen);
	msg = message_compose_id(cf->mail_from, m.recipient, m.subject, m.body,
	    mid);
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
			log_err("mail %lld %s to @%s was accepted by the SMTP "
			    "server but could not be marked sent: it may go "
			    "out twice, with that Message-ID", m.id, mid, dom);
		db_mail_free(&m);
		return -1;
	}

	if (sent)
		mx_inc(MX_MAIL_SENT);
	else {
		mx_inc(MX_MAIL_FAILED);
		if (m.attempts + 1 >= max)
			mx_inc(MX_MAIL_GIVEN_UP);
	}
	if (sent && res.noauth)
		log_warn("mail %lld %s to @%s sent (attempt %ld), but without "
		    "AUTH as smtp_user: the server did not offer it or "
		    "refused it", m.id, mid, dom, m.attempts + 1);
	else if (sent)
		log_info("mail %lld %s to @%s sent (attempt %ld)", m.id, mid,
		    dom, m.attempts + 1);
	else if (m.attempts + 1 >= max)
		log_err("mail %lld %s to @%s failed (attempt %ld of %ld), "
		    "giving up: %s", m.id, mid, dom, m.attempts + 1, max,
		    res.brief);
	else
		log_warn("mail %lld %s to @%s failed (attempt %ld of %ld), "
		    "retry in %ld s: %s", m.id, mid, dom, m.attempts + 1, max,
		    delay, res.brief);
	db_mail_free(&m);
	if (!sent && res.unreachable)
		server_lost(res.brief);
	else if (sent && server_down && server_back() == -1)
		return -1;
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
	double		due;
	int		ms;
	long long	probe;

	if (db_mail_next_due(&due) == -1)
		return -1;
	if (due < 0 || due * 1000 >= WAIT_MAX_MS)
		ms = WAIT_MAX_MS;
	else if (due <= 0)
		ms = WAIT_LOCKED_MS;
	else
		ms = (int)(due * 1000) + 10;	/* just past it */
	if (server_down) {
		probe = next_probe_ms - now_ms();
		if (probe < ms)
			ms = probe < 0 ? 0 : (int)probe;
	}
	return ms;
}

/*
 * While the server is unreachable, and the time has come: look for it.
 * Returns 0, or -1 when the database failed (making the waiting mails
 * due, see server_back()).
 */
static int
probe(void)
{
	char	why[256];

	if (!server_down || now_ms() < next_probe_ms)
		return 0;
	if (submit_probe(why, sizeof(why)) == -1) {
		log_debug("mailer: SMTP server %s: %s", cf->smtp_server, why);
		next_probe_ms = now_ms() + PROBE_MS;
		return 0;
	}
	return server_back();
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
	log_info("mailer started: SMTP server %s, STARTTLS %s%s, timeouts "
	    "%ld/%ld/%ld s%s", cf->smtp_server, cf->smtp_starttls,
	    *cf->smtp_user != '\0' ? ", AUTH" : "", cf->smtp_timeout_greeting,
	    cf->smtp_timeout_command, cf->smtp_timeout_data_end,
	    *cf->mailer_database != '\0' ? ", database: mailer_database" :
	    "");
	while (!stop) {
		log_tick();
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
		if (probe() == -1 || drain() == -1)
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
