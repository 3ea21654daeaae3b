-- signet schema, version 3: what comes after login.  A user changes the
-- address (proved by a code or a link), resets a password by a link, and
-- deletes the account.  Applied by `signet-admin migrate` in one transaction.

INSERT INTO schema_versions (version, name) VALUES (3, 'lifecycle');

-- Kinds of confirmation: 'email' proves a new address (a 6-digit code tied
-- to a validation token, or a link); 'change' is a password reset by link.
ALTER TABLE confirmations DROP CONSTRAINT confirmations_kind_check;
ALTER TABLE confirmations ADD CONSTRAINT confirmations_kind_check
	CHECK (kind IN ('activation', 'confirm', 'reset', 'email', 'change'));
ALTER TABLE confirmations ADD COLUMN new_email text
	CHECK (new_email IS NULL OR (length(new_email) BETWEEN 3 AND 254 AND
	    position('@' IN new_email) > 1));
ALTER TABLE confirmations ADD CONSTRAINT confirmations_email_has_address
	CHECK (kind <> 'email' OR new_email IS NOT NULL);
COMMENT ON COLUMN confirmations.new_email IS
	'kind email: the address the user asked to change to, taken only once it is proved.';

-- When the password last changed (BEdita's meta.password_modified).
ALTER TABLE users ADD COLUMN password_changed timestamptz;
COMMENT ON COLUMN users.password_changed IS
	'When the password was last set by its owner (signup, change, reset).';
