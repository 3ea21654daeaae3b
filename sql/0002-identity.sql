-- signet schema, version 2: identifiers compared one way, one holder per
-- address, signup data kept aside until an address is proved, no secret
-- left in sent mail.  Applied by `signet-admin migrate` in one transaction.

INSERT INTO schema_versions (version, name) VALUES (2, 'identity');

-- Usernames and email addresses are compared by folding ASCII letters only:
-- the same rule as the C code (throttle keys, comparisons), whatever the
-- database's locale.  lower() under a UTF-8 locale also folds U+212A KELVIN
-- SIGN to "k" and U+0130 to "i", which let one name stand for another.
CREATE FUNCTION ascii_lower(text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	AS $$ SELECT lower($1 COLLATE "C") $$;
COMMENT ON FUNCTION ascii_lower(text) IS
	'lower() of ASCII letters only: how usernames and emails are compared.';

DROP INDEX users_username_lower;
CREATE UNIQUE INDEX users_username_fold ON users (ascii_lower(username));
DROP INDEX users_email_lower;
CREATE INDEX users_email_fold ON users (ascii_lower(email));
DROP INDEX pending_signups_email;
CREATE UNIQUE INDEX pending_signups_email_fold ON pending_signups (ascii_lower(email));

-- One holder per address.  The holder is the row that claims the address:
-- an invited placeholder, a draft waiting for its link, or the first live
-- account with it.  Unicat lets one person have several usernames on one
-- address: those later accounts are not holders.  The database, not only
-- the code, forbids two holders of one address.
ALTER TABLE users ADD COLUMN holds_email boolean NOT NULL DEFAULT true;
UPDATE users SET holds_email = false
	WHERE status <> 'disabled' AND id NOT IN (
		SELECT DISTINCT ON (ascii_lower(email)) id FROM users
		WHERE status <> 'disabled'
		ORDER BY ascii_lower(email), status = 'active' DESC,
		    status = 'invited' DESC, id);
CREATE UNIQUE INDEX users_email_holder ON users (ascii_lower(email))
	WHERE holds_email AND status <> 'disabled';
COMMENT ON COLUMN users.holds_email IS
	'The row that claims its address: at most one live one per address (users_email_holder).';

-- A link signup for an address that an invitation made a placeholder for
-- keeps its data here until the link proves the address: the placeholder
-- is not touched before that.
ALTER TABLE confirmations ADD COLUMN username text;
ALTER TABLE confirmations ADD COLUMN password text;
ALTER TABLE confirmations ADD COLUMN language text;
CREATE INDEX confirmations_username_fold ON confirmations (ascii_lower(username))
	WHERE username IS NOT NULL AND used_at IS NULL;
COMMENT ON COLUMN confirmations.username IS
	'A link signup of an invited address: the username to give the placeholder at activation (NULL: automatic).';
COMMENT ON COLUMN confirmations.password IS
	'A link signup of an invited address: the password (MCF) to give the placeholder at activation.';
COMMENT ON COLUMN confirmations.language IS
	'A link signup of an invited address: the language to give the placeholder at activation.';

-- A mail's body holds a code or a link: once sent or given up it goes.
ALTER TABLE mail_outbox ALTER COLUMN body DROP NOT NULL;
UPDATE mail_outbox SET body = NULL WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_body_while_due
	CHECK (body IS NOT NULL OR sent_at IS NOT NULL OR failed_at IS NOT NULL);
COMMENT ON COLUMN mail_outbox.body IS
	'The text while the mail waits; NULL once sent or given up (it holds codes and links).';
