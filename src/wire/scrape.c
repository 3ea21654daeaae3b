/* signet: GET /metrics, in Prometheus' text format.  ISC licence. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/cidr.h"
#include "base/conf.h"
#include "base/expo.h"
#include "base/metrics.h"
#include "base/scoreboard.h"
#include "core/event.h"
#include "core/problem.h"
#include "db/mail.h"
#include "wire/scrape.h"
#include "wire/persona.h"
#include "wire/req.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * The statuses counted apart (every one req.c has a reason phrase for);
 * any other is counted as "other", the slot after them.
 */
static const char *const statuses[] = {
	"200", "201", "202", "204", "400", "401", "403", "404", "405", "409",
	"413", "422", "429", "500", "501", "503",
};

#define NSTATUSES	(sizeof(statuses) / sizeof(statuses[0]))

_Static_assert(NSTATUSES < MX_STATUSES, "MX_STATUSES too small");
_Static_assert(EV_KINDS <= MX_EVENTS && OUT_KINDS <= MX_OUTCOMES &&
    TH_KINDS <= MX_THROTTLES, "base/metrics.h has too little room");

/* The login outcomes written even while 0, so that rates start at once. */
static const enum event_outcome login_outcomes[] = {
	OUT_OK, OUT_BAD_PASSWORD, OUT_UNKNOWN_USER, OUT_INACTIVE,
	OUT_DISABLED, OUT_THROTTLED, OUT_SECOND_FACTOR_REQUIRED,
	OUT_BAD_SECOND_FACTOR, OUT_BUSY, OUT_ERROR,
};

/* The status's slot in the counters. */
static unsigned
status_slot(int status)
{
	char	s[16];
	size_t	i;

	snprintf(s, sizeof(s), "%d", status);
	for (i = 0; i < NSTATUSES; i++)
		if (strcmp(statuses[i], s) == 0)
			return (unsigned)i;
	return (unsigned)NSTATUSES;
}

void
metrics_request(size_t route, int status, double seconds)
{
	mx_request((unsigned)route, status_slot(status), seconds);
}

/* Requests by route and status, and their durations by route. */
static void
requests(struct expo *e, const struct metrics *m,
    const struct metrics_labels *l)
{
	const char	*lab[5] = { "route", NULL, "status", NULL, NULL };
	struct mx_snap	 s;
	uint64_t	 v;
	size_t		 i, j;

	expo_family(e, "signet_requests_total", "counter", "Requests "
	    "answered, by route (the route table's name; unknown: a path no "
	    "route has) and HTTP status.");
	for (i = 0; i <= l->nroutes && i < MX_ROUTES; i++)
		for (j = 0; j <= NSTATUSES; j++) {
			if ((v = mx_get(&m->requests[i][j])) == 0)
				continue;
			lab[1] = l->routes[i];
			lab[3] = j < NSTATUSES ? statuses[j] : "other";
			expo_uint(e, "signet_requests_total", lab, v);
		}
	expo_family(e, "signet_request_duration_seconds", "histogram",
	    "Time from a request's arrival at signet to its answer, by route.");
	lab[2] = NULL;
	for (i = 0; i <= l->nroutes && i < MX_ROUTES; i++) {
		mx_hist_read(&m->request_seconds[i], &s);
		if (s.n[MX_BUCKETS] == 0)
			continue;
		lab[1] = l->routes[i];
		expo_histogram(e, "signet_request_duration_seconds", lab,
		    mx_bounds, MX_BUCKETS, s.n, s.sum);
	}
}

/* Logins, signups and every event kind, as core/event.c counted them. */
static void
events(struct expo *e, const struct metrics *m,
    const struct metrics_labels *l)
{
	const char	*lab[5] = { "personality", NULL, "outcome", NULL, NULL };
	uint64_t	 v;
	size_t		 i, j, k;

	expo_family(e, "signet_logins_total", "counter", "Logins by "
	    "personality and outcome (the outcome of the whole login, second "
	    "factor included).");
	for (i = 1; i < l->npersonas && i < MX_PERSONAS; i++)
		for (j = 0; j < sizeof(login_outcomes) /
		    sizeof(login_outcomes[0]); j++) {
			lab[1] = l->personas[i];
			lab[3] = event_outcome_name(login_outcomes[j]);
			expo_uint(e, "signet_logins_total", lab, mx_get(
			    &m->events[EV_LOGIN][login_outcomes[j]][i]));
		}
	expo_family(e, "signet_signups_total", "counter", "Signups by "
	    "personality and stage: requested (a code or a link mailed), "
	    "completed (the account is active).");
	lab[2] = "stage";
	for (i = 1; i < l->npersonas && i < MX_PERSONAS; i++) {
		lab[1] = l->personas[i];
		lab[3] = "requested";
		expo_uint(e, "signet_signups_total", lab,
		    mx_get(&m->events[EV_SIGNUP_REQUESTED][OUT_OK][i]));
		lab[3] = "completed";
		expo_uint(e, "signet_signups_total", lab,
		    mx_get(&m->events[EV_SIGNUP_COMPLETED][OUT_OK][i]));
	}
	expo_family(e, "signet_auth_events_total", "counter", "Every event "
	    "the audit log records (auth_events), by kind and outcome.");
	lab[0] = "event";
	lab[2] = "outcome";
	for (i = 0; i < EV_KINDS; i++)
		for (j = 0; j < OUT_KINDS; j++) {
			for (v = 0, k = 0; k < MX_PERSONAS; k++)
				v += mx_get(&m->events[i][j][k]);
			if (v == 0)
				continue;
			lab[1] = event_kind_name((unsigned)i);
			lab[3] = event_outcome_name((unsigned)j);
			expo_uint(e, "signet_auth_events_total", lab, v);
		}
	expo_family(e, "signet_throttle_hits_total", "counter", "Requests a "
	    "rate limit refused, by limit.");
	lab[0] = "kind";
	lab[2] = NULL;
	for (i = 0; i < TH_KINDS; i++) {
		lab[1] = event_throttle_name((unsigned)i);
		expo_uint(e, "signet_throttle_hits_total", lab,
		    mx_get(&m->throttles[i]));
	}
}

/* One counter or gauge without labels, with its family lines. */
static void
single(struct expo *e, const char *name, const char *type, const char *help,
    double v)
{
	expo_family(e, name, type, help);
	expo_double(e, name, NULL, v);
}

/* One histogram without labels, with its family lines. */
static void
histogram(struct expo *e, const char *name, const char *help,
    const struct mx_hist *h)
{
	struct mx_snap	s;

	mx_hist_read(h, &s);
	expo_family(e, name, "histogram", help);
	expo_histogram(e, name, NULL, mx_bounds, MX_BUCKETS, s.n, s.sum);
}

/* Hashing: times, and the permits as they are now. */
static void
hashing(struct expo *e, const struct metrics *m)
{
	int	holding, waiting;

	histogram(e, "signet_password_hash_seconds", "One scrypt hash, its "
	    "permit held.", &m->timers[MX_HASH_SECONDS]);
	histogram(e, "signet_hash_wait_seconds", "Time waiting for a hash "
	    "permit (hash_concurrency), whether one came or not.",
	    &m->timers[MX_HASH_WAIT_SECONDS]);
	scoreboard_permits(&holding, &waiting);
	single(e, "signet_hash_permits_in_use", "gauge", "Hash permits held "
	    "now.", holding);
	single(e, "signet_hash_permits_waiting", "gauge", "Requests waiting "
	    "for a hash permit now.", waiting);
	single(e, "signet_hash_permits", "gauge", "Hash permits there are "
	    "(hash_concurrency).", sb != NULL ? sb->permits.total : 0);
}

/* Mail: what the mailers counted, and the queue as the database has it. */
static void
mail(struct expo *e, const struct metrics *m)
{
	long long	depth;
	double		oldest;

	single(e, "signet_mail_sent_total", "counter", "Mails the SMTP "
	    "server accepted.", mx_get(&m->counters[MX_MAIL_SENT]));
	single(e, "signet_mail_failed_total", "counter", "Attempts to send a "
	    "mail that failed (each is retried until mail_max_attempts).",
	    mx_get(&m->counters[MX_MAIL_FAILED]));
	single(e, "signet_mail_given_up_total", "counter", "Mails whose "
	    "attempts ran out.", mx_get(&m->counters[MX_MAIL_GIVEN_UP]));
	/* The database away: no queue lines (the errors count it). */
	if (db_mail_queue(&depth, &oldest) == -1)
		return;
	single(e, "signet_mail_queue_depth", "gauge", "Mails waiting to be "
	    "sent (neither sent nor given up).", (double)depth);
	single(e, "signet_mail_oldest_unsent_age_seconds", "gauge", "How "
	    "long the oldest mail waiting to be sent has waited.", oldest);
}

/* The database, the processes, the audit log. */
static void
processes(struct expo *e, const struct metrics *m)
{
	int	i, n[SLOT_KINDS] = { 0 };

	single(e, "signet_db_errors_total", "counter", "Statements and "
	    "connections that failed (a unique violation is an answer, not "
	    "counted).", mx_get(&m->counters[MX_DB_ERRORS]));
	single(e, "signet_db_reconnects_total", "counter", "Database "
	    "connections made by a process that had one before.",
	    mx_get(&m->counters[MX_DB_RECONNECTS]));
	for (i = 0; sb != NULL && i < SLOTS_MAX; i++) {
		if (sb->slots[i].pid == 0)
			continue;
		n[scoreboard_kind(&sb->slots[i])]++;
	}
	single(e, "signet_workers_alive", "gauge", "Worker processes the "
	    "master runs now (0 without a master: workers = 0).",
	    n[SLOT_WORKER]);
	single(e, "signet_mailers_alive", "gauge", "Mailer processes the "
	    "master runs now.", n[SLOT_MAILER]);
	single(e, "signet_hashers_alive", "gauge", "Password hashing "
	    "processes the master runs now (hash_concurrency; 0 without a "
	    "master: hashes run in the worker).", n[SLOT_HASHER]);
	single(e, "signet_worker_restarts_total", "counter", "Workers that "
	    "died (a signal, or a failure exit) and were replaced.",
	    mx_get(&m->counters[MX_WORKER_RESTARTS]));
	single(e, "signet_mailer_restarts_total", "counter", "Mailers that "
	    "died and were replaced.",
	    mx_get(&m->counters[MX_MAILER_RESTARTS]));
	single(e, "signet_hasher_restarts_total", "counter", "Hashers that "
	    "died and were replaced.",
	    mx_get(&m->counters[MX_HASHER_RESTARTS]));
	single(e, "signet_audit_write_failures_total", "counter", "Audit "
	    "log rows that could not be written (the requests went on).",
	    mx_get(&m->counters[MX_AUDIT_FAILED]));
}

void
metrics_serve(struct req *r, const struct metrics_labels *l)
{
	static const char *const version[] = { "version", PACKAGE_VERSION,
	    NULL };
	struct problem		 p = { 0 };
	struct metrics		*m = mx_region();
	struct expo		 e;

	if (!cidrs_match(&cf->metrics_nets, r->remote) || m == NULL) {
		p.kind = PROB_NOT_FOUND;
		r->persona->fail(r, &p);
		return;
	}
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		req_header(r, "Allow", "GET");
		p.kind = PROB_METHOD;
		r->persona->fail(r, &p);
		return;
	}
	expo_init(&e);
	expo_family(&e, "signet_build_info", "gauge", "The version of "
	    "signet answering, as a label.");
	expo_uint(&e, "signet_build_info", version, 1);
	requests(&e, m, l);
	events(&e, m, l);
	hashing(&e, m);
	mail(&e, m);
	processes(&e, m);
	req_reply_text(r, 200, CONTENT_TYPE, e.out.buf, e.out.len);
}
