-- When the session last passed a primary authentication (issue 15, ASVS 3.7.1): a
-- sign-in with the password (after VerifyMfa for MFA users), a sign-up,
-- ConfirmVerification or a Roblox sign-in; each of them starts or replaces the
-- device's session. A refresh never moves it, so a refresh token kept alive for
-- months does not make its session look freshly authenticated. SetupMfa reads it
-- (REAUTH_MAX_AGE_MINUTES); the access token's iat cannot serve, since every
-- refresh re-issues the access token.
ALTER TABLE sessions ADD COLUMN authenticated_at timestamptz;

-- A sign-in on a device replaces its session and resets created_at, and refreshes
-- never touch created_at: for existing sessions it is the last sign-in.
UPDATE sessions SET authenticated_at = created_at;

-- now() as default only for a replica still running the previous release during a
-- rolling deploy (its inserts do not name the column); the application always sets it.
ALTER TABLE sessions
  ALTER COLUMN authenticated_at SET DEFAULT now(),
  ALTER COLUMN authenticated_at SET NOT NULL;

-- migrate:down
ALTER TABLE sessions DROP COLUMN authenticated_at;
