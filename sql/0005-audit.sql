-- signet schema, version 5: the audit log.  One row per authentication
-- event (signups, logins and their failures, logouts, resets, changes of
-- password or address, deletions, two-factor, invitations, disabled
-- accounts, throttle hits), written by core/event.c after the request's
-- own transaction, best effort.  Never a password, a code or a token: the
-- columns hold names of events, ids, an address and a user agent.
-- signet-admin audit reads it; signet-admin purge deletes rows older than
-- audit_keep_days.  Applied by `signet-admin migrate` in one transaction.

INSERT INTO schema_versions (version, name) VALUES (5, 'audit');

CREATE TABLE auth_events (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	kind		text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
	outcome		text NOT NULL CHECK (outcome ~ '^[a-z_]{1,40}$'),
	user_id		bigint,
	user_gid	uuid,
	client		inet,
	personality	text CHECK (personality ~ '^[a-z]{1,20}$'),
	user_agent	text CHECK (length(user_agent) <= 256),
	request_id	text CHECK (length(request_id) <= 32)
);
CREATE INDEX auth_events_at ON auth_events (at);
CREATE INDEX auth_events_user ON auth_events (user_id, at)
	WHERE user_id IS NOT NULL;
CREATE INDEX auth_events_gid ON auth_events (user_gid, at)
	WHERE user_gid IS NOT NULL;

COMMENT ON TABLE auth_events IS
	'The audit log: one row per authentication event, best effort (a row that cannot be written is logged and counted, the request is not failed).  No secrets.';
COMMENT ON COLUMN auth_events.kind IS
	'What happened: signup_requested, signup_completed, login, logout, password_reset_requested, password_reset_done, password_changed, email_change_requested, email_changed, account_deleted, account_disabled, mfa_enabled, mfa_disabled, mfa_recovery_used, mfa_admin_reset, invite_sent, invite_accepted, invite_declined, throttled.';
COMMENT ON COLUMN auth_events.outcome IS
	'ok, or why not (bad_password, unknown_user, inactive, disabled, throttled, second_factor_required, bad_second_factor, busy, error, bad_code, no_account, mailbox_full); for throttled, which limit (login_address, signup_email, ...).';
COMMENT ON COLUMN auth_events.user_id IS
	'The account when known: no foreign key, so that the rows outlive a deleted account (user_gid names it then).';
COMMENT ON COLUMN auth_events.client IS
	'The client address (REMOTE_ADDR, or the first untrusted hop of X-Forwarded-For behind trusted_proxies); NULL for signet-admin.';
COMMENT ON COLUMN auth_events.personality IS
	'The wire format the request came in (unicat, bedita, freesewing), or admin.';
COMMENT ON COLUMN auth_events.request_id IS
	'The request id of the log line of the same request.';
