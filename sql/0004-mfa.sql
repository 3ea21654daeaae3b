-- signet schema, version 4: a second factor.  An account may add TOTP
-- (RFC 6238) codes to its password, with one-time recovery codes for a
-- lost device.  Applied by `signet-admin migrate` in one transaction.

INSERT INTO schema_versions (version, name) VALUES (4, 'mfa');

ALTER TABLE users ADD COLUMN totp_secret bytea
	CHECK (totp_secret IS NULL OR length(totp_secret) BETWEEN 28 AND 128);
ALTER TABLE users ADD COLUMN totp_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;
ALTER TABLE users ADD CONSTRAINT users_totp_enabled_has_secret
	CHECK (NOT totp_enabled OR totp_secret IS NOT NULL);
COMMENT ON COLUMN users.totp_secret IS
	'The TOTP secret, sealed (AES-256-GCM, a key from totp_key_file, the gid as associated data): nonce, ciphertext, tag.  Set at enrolment, before it is confirmed.';
COMMENT ON COLUMN users.totp_enabled IS
	'Two-factor is on: a login needs a current code (or a recovery code) after the password.';
COMMENT ON COLUMN users.totp_last_step IS
	'The 30-second step of the last code accepted: a code is used once, and none older.';

CREATE TABLE recovery_codes (
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	code_mac	bytea NOT NULL,
	used_at		timestamptz,
	PRIMARY KEY (user_id, code_mac)
);
COMMENT ON TABLE recovery_codes IS
	'One-time codes shown once at enrolment, each usable once instead of a TOTP code; kept as HMACs.';
