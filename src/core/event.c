/* signet: authentication events, counted and audited.  ISC licence. */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "base/log.h"
#include "base/metrics.h"
#include "core/event.h"
#include "db/audit.h"

/*
 * Events of one request waiting for event_flush(): a request tells a
 * handful at most (a login: its outcome, perhaps a throttle hit).  More
 * are counted but not audited, and say so in the log.
 */
#define EVENT_QUEUE	8

static const char *const kind_names[EV_KINDS] = {
	[EV_SIGNUP_REQUESTED] = "signup_requested",
	[EV_SIGNUP_COMPLETED] = "signup_completed",
	[EV_LOGIN] = "login",
	[EV_LOGOUT] = "logout",
	[EV_RESET_REQUESTED] = "password_reset_requested",
	[EV_RESET_DONE] = "password_reset_done",
	[EV_PASSWORD_CHANGED] = "password_changed",
	[EV_EMAIL_CHANGE_REQUESTED] = "email_change_requested",
	[EV_EMAIL_CHANGED] = "email_changed",
	[EV_ACCOUNT_DELETED] = "account_deleted",
	[EV_ACCOUNT_DISABLED] = "account_disabled",
	[EV_MFA_ENABLED] = "mfa_enabled",
	[EV_MFA_DISABLED] = "mfa_disabled",
	[EV_MFA_RECOVERY_USED] = "mfa_recovery_used",
	[EV_MFA_RESET] = "mfa_admin_reset",
	[EV_INVITE_SENT] = "invite_sent",
	[EV_INVITE_ACCEPTED] = "invite_accepted",
	[EV_INVITE_DECLINED] = "invite_declined",
	[EV_THROTTLED] = "throttled",
};

static const char *const outcome_names[OUT_KINDS] = {
	[OUT_OK] = "ok",
	[OUT_BAD_PASSWORD] = "bad_password",
	[OUT_UNKNOWN_USER] = "unknown_user",
	[OUT_INACTIVE] = "inactive",
	[OUT_DISABLED] = "disabled",
	[OUT_THROTTLED] = "throttled",
	[OUT_SECOND_FACTOR_REQUIRED] = "second_factor_required",
	[OUT_BAD_SECOND_FACTOR] = "bad_second_factor",
	[OUT_BUSY] = "busy",
	[OUT_ERROR] = "error",
	[OUT_BAD_CODE] = "bad_code",
	[OUT_NO_ACCOUNT] = "no_account",
	[OUT_MAILBOX_FULL] = "mailbox_full",
};

static const char *const throttle_names[TH_KINDS] = {
	[TH_LOGIN_ADDRESS] = "login_address",
	[TH_LOGIN_ACCOUNT] = "login_account",
	[TH_SIGNUP_ADDRESS] = "signup_address",
	[TH_SIGNUP_EMAIL] = "signup_email",
	[TH_RESET_ADDRESS] = "reset_address",
	[TH_RESET_EMAIL] = "reset_email",
	[TH_RESET_MAILBOX] = "reset_mailbox",
	[TH_EMAIL_CHANGE_ADDRESS] = "email_change_address",
	[TH_EMAIL_CHANGE_USER] = "email_change_user",
	[TH_EMAIL_CHANGE_EMAIL] = "email_change_email",
	[TH_INVITE] = "invite",
	[TH_OTHER] = "other",
};

/* The actions of the core's throttle keys, and the limit each is. */
static const struct {
	const char			*action;
	enum event_throttle_kind	 kind;
} actions[] = {
	{ "login-addr", TH_LOGIN_ADDRESS },
	{ "login-id", TH_LOGIN_ACCOUNT },
	{ "login", TH_LOGIN_ACCOUNT },		/* a name no account has */
	{ "signup-addr", TH_SIGNUP_ADDRESS },
	{ "signup", TH_SIGNUP_EMAIL },
	{ "signup-day", TH_SIGNUP_EMAIL },
	{ "reset-addr", TH_RESET_ADDRESS },
	{ "reset", TH_RESET_EMAIL },
	{ "reset-day", TH_RESET_EMAIL },
	{ "reset-mail", TH_RESET_MAILBOX },
	{ "email-addr", TH_EMAIL_CHANGE_ADDRESS },
	{ "email-user", TH_EMAIL_CHANGE_USER },
	{ "email-change", TH_EMAIL_CHANGE_EMAIL },
	{ "email-change-day", TH_EMAIL_CHANGE_EMAIL },
	{ "invite", TH_INVITE },
};

/* The origin of the request in hand (event_begin() to event_flush()). */
static struct {
	unsigned	 persona;
	const char	*personality;
	char		 request[32];
	char		 client[INET6_ADDRSTRLEN];	/* "": none, or no address */
	char		 agent[EVENT_AGENT_MAX + 1];
	long long	 user_id;
	char		 user_gid[40];
} origin;

static struct {
	enum event_kind	 kind;
	const char	*outcome;	/* a static name */
	long long	 user_id;
	char		 user_gid[40];
}			 queue[EVENT_QUEUE];
static size_t		 nqueue;

const char *
event_kind_name(unsigned k)
{
	return k < EV_KINDS ? kind_names[k] : NULL;
}

const char *
event_outcome_name(unsigned o)
{
	return o < OUT_KINDS ? outcome_names[o] : NULL;
}

const char *
event_throttle_name(unsigned t)
{
	return t < TH_KINDS ? throttle_names[t] : NULL;
}

enum event_throttle_kind
event_throttle_kind(const char *key)
{
	size_t	n = strcspn(key, ":"), i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strlen(actions[i].action) == n &&
		    strncmp(actions[i].action, key, n) == 0)
			return actions[i].kind;
	return TH_OTHER;
}

enum event_outcome
event_outcome_of(const struct problem *p, enum event_outcome refused)
{
	switch (p->kind) {
	case PROB_RATE_LIMITED:
		return OUT_THROTTLED;
	case PROB_UNAVAILABLE:
		return p->retry_after > 0 ? OUT_BUSY : OUT_ERROR;
	case PROB_INTERNAL:
		return OUT_ERROR;
	default:
		return refused;
	}
}

char *
event_agent(char buf[EVENT_AGENT_MAX + 1], const char *agent)
{
	if (agent == NULL)
		agent = "";
	return log_escape(buf, EVENT_AGENT_MAX + 1, agent, strlen(agent));
}

/* Copy s (NULL: "") into dst of sz bytes, cut. */
static void
copy(char *dst, size_t sz, const char *s)
{
	size_t	n = s != NULL ? strnlen(s, sz - 1) : 0;

	memcpy(dst, s != NULL ? s : "", n);
	dst[n] = '\0';
}

void
event_begin(const struct event_origin *o)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	memset(&origin, 0, sizeof(origin));
	nqueue = 0;
	origin.persona = o->persona < MX_PERSONAS ? o->persona : 0;
	origin.personality = o->personality;
	copy(origin.request, sizeof(origin.request), o->request);
	/* Only an address goes into the inet column; anything else: none. */
	if (o->client != NULL && (inet_pton(AF_INET, o->client, &a4) == 1 ||
	    inet_pton(AF_INET6, o->client, &a6) == 1))
		copy(origin.client, sizeof(origin.client), o->client);
	if (o->agent != NULL)
		event_agent(origin.agent, o->agent);
	origin.user_id = o->user_id;
	copy(origin.user_gid, sizeof(origin.user_gid), o->user_gid);
}

/* The account an event is about: the origin's token user by default. */
static void
whose(long long *id, const char **gid)
{
	if (*id == 0 && *gid == NULL) {
		*id = origin.user_id;
		*gid = origin.user_gid;
	} else if (*gid == NULL && *id == origin.user_id)
		*gid = origin.user_gid;
}

/* Queue an audit row; outcome is a static name. */
static void
enqueue(enum event_kind k, const char *outcome, long long id,
    const char *gid)
{
	whose(&id, &gid);
	if (nqueue == EVENT_QUEUE) {
		mx_inc(MX_AUDIT_FAILED);
		log_limited(LOG_ERR, "audit queue", "audit: more than %d events "
		    "in request %s: %s %s not recorded", EVENT_QUEUE,
		    origin.request, kind_names[k], outcome);
		return;
	}
	queue[nqueue].kind = k;
	queue[nqueue].outcome = outcome;
	queue[nqueue].user_id = id;
	copy(queue[nqueue].user_gid, sizeof(queue[nqueue].user_gid), gid);
	nqueue++;
}

void
event_note(enum event_kind k, enum event_outcome o, long long id,
    const char *gid)
{
	if (k >= EV_KINDS || o >= OUT_KINDS)
		return;
	mx_event(k, o, origin.persona);
	/*
	 * Turned away busy, nothing was decided about anyone: counted, not
	 * a row each, or a flood of them would become a flood of writes.
	 */
	if (o != OUT_BUSY)
		enqueue(k, outcome_names[o], id, gid);
}

void
event_throttle(const char *key)
{
	enum event_throttle_kind	t = event_throttle_kind(key);

	mx_throttle(t);
	enqueue(EV_THROTTLED, throttle_names[t], 0, NULL);
}

/* "" as NULL: an SQL NULL. */
static const char *
or_null(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* The audit row of an event, with the origin's columns. */
static void
fill(struct audit_row *a, const char *kind, const char *outcome,
    long long id, const char *gid)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->outcome = outcome;
	a->user_id = id;
	a->user_gid = or_null(gid);
	a->client = or_null(origin.client);
	a->personality = or_null(origin.personality);
	a->user_agent = or_null(origin.agent);
	a->request_id = or_null(origin.request);
}

void
event_row(enum event_kind k, enum event_outcome o, long long id,
    const char *gid, struct audit_row *a)
{
	whose(&id, &gid);
	fill(a, kind_names[k], outcome_names[o], id, gid);
}

void
event_note_written(enum event_kind k, enum event_outcome o)
{
	mx_event(k, o, origin.persona);
}

void
event_flush(void)
{
	struct audit_row	a;
	size_t			i;

	for (i = 0; i < nqueue; i++) {
		fill(&a, kind_names[queue[i].kind], queue[i].outcome,
		    queue[i].user_id, queue[i].user_gid);
		if (db_audit_insert(&a) == -1) {
			/* db.c logged why; say what was lost, once a while. */
			mx_inc(MX_AUDIT_FAILED);
			log_limited(LOG_ERR, "audit write", "audit: %s %s of "
			    "request %s not recorded: the database failed",
			    a.kind, a.outcome, origin.request);
		}
	}
	nqueue = 0;
	memset(&origin, 0, sizeof(origin));
}
