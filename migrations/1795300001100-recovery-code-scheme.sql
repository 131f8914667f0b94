-- Recovery codes at rest (issue 15, ASVS 2.6.2). A code has 60 random bits: enough
-- against online guessing (the account lockout), but a plain SHA-256 of it could be
-- enumerated offline by whoever reads a dump of this table. New codes are stored as
-- HMAC-SHA-256 under a key derived (HKDF) from the MFA_ENCRYPTION_KEY entry named by
-- key_id, which never is in the database; the user id is part of the MAC input.
-- Existing rows keep working until used or regenerated: they are marked 'sha256'.
-- The default stays 'sha256' so that a replica still running the previous release
-- during a rolling deploy (it inserts without these columns) writes rows labelled
-- for what they are; the application always names the scheme.
ALTER TABLE mfa_recovery_codes
  ADD COLUMN scheme text NOT NULL DEFAULT 'sha256',
  ADD COLUMN key_id text,
  ADD CONSTRAINT mfa_recovery_codes_scheme_check CHECK (
    (scheme = 'sha256' AND key_id IS NULL)
    OR (scheme = 'hmac-sha256' AND key_id IS NOT NULL AND length(key_id) BETWEEN 1 AND 32)
  );

-- migrate:down
ALTER TABLE mfa_recovery_codes
  DROP CONSTRAINT mfa_recovery_codes_scheme_check,
  DROP COLUMN key_id,
  DROP COLUMN scheme;
