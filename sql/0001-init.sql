-- signet schema, version 1: accounts, pending signups, confirmations,
-- projects and members, the mail outbox, throttles and the cc cursor.
-- Applied by `signet-admin migrate` inside one transaction; the runner
-- creates schema_versions and checks the version first.

INSERT INTO schema_versions (version, name) VALUES (1, 'init');

-- cc.cursor: bumped by every change to users, projects and memberships.
CREATE SEQUENCE cc_cursor;
COMMENT ON SEQUENCE cc_cursor IS 'The sync cursor of /api/login and /api/init (cc.cursor).';

CREATE FUNCTION cc_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM nextval('cc_cursor');
	RETURN NULL;
END $$;

CREATE FUNCTION touch_modified() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.modified := now();
	RETURN NEW;
END $$;

CREATE TABLE users (
	id		bigserial PRIMARY KEY,
	gid		uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	username	text CHECK (username IS NULL OR
			    (length(username) BETWEEN 1 AND 64 AND username !~ '[[:space:]@/]')),
	email		text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND
			    position('@' IN email) > 1),
	password	text,
	name		text NOT NULL DEFAULT '',
	avatar		text,
	status		text NOT NULL DEFAULT 'draft'
			    CHECK (status IN ('invited', 'draft', 'active', 'disabled')),
	language	text NOT NULL DEFAULT 'en' CHECK (length(language) BETWEEN 2 AND 16),
	timezone	text NOT NULL DEFAULT 'UTC',
	consent		integer NOT NULL DEFAULT 0 CHECK (consent >= 0),
	verified_at	timestamptz,
	last_login	timestamptz,
	last_login_err	timestamptz,
	num_login_err	integer NOT NULL DEFAULT 0 CHECK (num_login_err >= 0),
	token_epoch	integer NOT NULL DEFAULT 0,
	created		timestamptz NOT NULL DEFAULT now(),
	modified	timestamptz NOT NULL DEFAULT now(),
	CHECK (status = 'invited' OR username IS NOT NULL),
	CHECK (status NOT IN ('active') OR verified_at IS NOT NULL)
);
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
CREATE INDEX users_email_lower ON users (lower(email));
COMMENT ON TABLE users IS 'Accounts of every personality; one store.';
COMMENT ON COLUMN users.gid IS 'Public id (Unicat user gid); ids never leave signet except as BEdita''s and FreeSewing''s numeric id.';
COMMENT ON COLUMN users.username IS 'Unique case-insensitively; NULL only for invited placeholders.';
COMMENT ON COLUMN users.password IS 'scrypt in MCF ($s1$...); NULL: no usable password.';
COMMENT ON COLUMN users.status IS 'invited: placeholder for an invited email; draft: awaiting activation; active; disabled.';
COMMENT ON COLUMN users.token_epoch IS 'JWTs carry it; bumping it revokes every token of the user.';
CREATE TRIGGER users_modified BEFORE UPDATE ON users
	FOR EACH ROW EXECUTE FUNCTION touch_modified();
CREATE TRIGGER users_cc AFTER INSERT OR DELETE ON users
	FOR EACH ROW EXECUTE FUNCTION cc_bump();
CREATE TRIGGER users_cc_update AFTER UPDATE ON users
	FOR EACH ROW WHEN ((OLD.username, OLD.email, OLD.name, OLD.avatar,
	    OLD.status, OLD.language, OLD.timezone) IS DISTINCT FROM
	    (NEW.username, NEW.email, NEW.name, NEW.avatar, NEW.status,
	    NEW.language, NEW.timezone))
	EXECUTE FUNCTION cc_bump();

CREATE TABLE pending_signups (
	id		bigserial PRIMARY KEY,
	validation_mac	bytea NOT NULL UNIQUE CHECK (length(validation_mac) = 32),
	code_mac	bytea NOT NULL CHECK (length(code_mac) = 32),
	username	text NOT NULL,
	email		text NOT NULL,
	password	text NOT NULL,
	language	text NOT NULL,
	attempts	integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	expires_at	timestamptz NOT NULL,
	created		timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX pending_signups_email ON pending_signups (lower(email));
COMMENT ON TABLE pending_signups IS 'Unicat signup step 1; one per email, a newer request replaces it.';
COMMENT ON COLUMN pending_signups.validation_mac IS 'HMAC-SHA256 (secret_file) of the validation_code returned to the client.';
COMMENT ON COLUMN pending_signups.code_mac IS 'HMAC-SHA256 of the 6-digit code mailed to the user.';
COMMENT ON COLUMN pending_signups.password IS 'Already scrypt-hashed at step 1.';

CREATE TABLE confirmations (
	id		bigserial PRIMARY KEY,
	kind		text NOT NULL CHECK (kind IN ('activation', 'confirm', 'reset')),
	token_mac	bytea NOT NULL UNIQUE CHECK (length(token_mac) = 32),
	code_mac	bytea CHECK (code_mac IS NULL OR length(code_mac) = 32),
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	attempts	integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	redirect_url	text,
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz,
	created		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX confirmations_user ON confirmations (user_id);
COMMENT ON TABLE confirmations IS 'BEdita activation uuids, FreeSewing confirmation ids, password reset codes.';
COMMENT ON COLUMN confirmations.token_mac IS 'HMAC-SHA256 of the uuid, id or validation code the user holds.';

CREATE TABLE projects (
	id		bigserial PRIMARY KEY,
	gid		uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
	icon		text,
	owner_id	bigint NOT NULL REFERENCES users,
	status		text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
	created		timestamptz NOT NULL DEFAULT now(),
	modified	timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE projects IS 'Projects, created with signet-admin project create.';
CREATE TRIGGER projects_modified BEFORE UPDATE ON projects
	FOR EACH ROW EXECUTE FUNCTION touch_modified();
CREATE TRIGGER projects_cc AFTER INSERT OR UPDATE OR DELETE ON projects
	FOR EACH ROW EXECUTE FUNCTION cc_bump();

CREATE TABLE project_members (
	project_id	bigint NOT NULL REFERENCES projects ON DELETE CASCADE,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	status		text NOT NULL DEFAULT 'invited'
			    CHECK (status IN ('invited', 'active', 'declined', 'deactivated')),
	roles		text[] NOT NULL DEFAULT '{member}',
	options		jsonb NOT NULL DEFAULT '{}',
	created		timestamptz NOT NULL DEFAULT now(),
	modified	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id);
COMMENT ON TABLE project_members IS 'Memberships and invitations (cc.projects_members).';
CREATE TRIGGER project_members_modified BEFORE UPDATE ON project_members
	FOR EACH ROW EXECUTE FUNCTION touch_modified();
CREATE TRIGGER project_members_cc AFTER INSERT OR UPDATE OR DELETE ON project_members
	FOR EACH ROW EXECUTE FUNCTION cc_bump();

CREATE TABLE mail_outbox (
	id		bigserial PRIMARY KEY,
	recipient	text NOT NULL,
	subject		text NOT NULL,
	body		text NOT NULL,
	attempts	integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz,
	failed_at	timestamptz,
	last_error	text,
	created		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at)
	WHERE sent_at IS NULL AND failed_at IS NULL;
COMMENT ON TABLE mail_outbox IS 'Mail written in the same transaction as what it tells; the mailer sends it.';
COMMENT ON COLUMN mail_outbox.failed_at IS 'Set when mail_max_attempts ran out: no more tries.';

CREATE TABLE throttles (
	key		text PRIMARY KEY,
	window_start	timestamptz NOT NULL,
	count		integer NOT NULL CHECK (count >= 0),
	last_at		timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE throttles IS 'Fixed-window counters: key is action + account or client address.';
