-- Every refresh token a session has retired, as SHA-256: rotated out by a refresh,
-- or displaced by a second refresh inside the reuse grace window. Presented after
-- its grace window, a retired token means the chain was copied, so the session is
-- revoked however many rotations ago the token was retired. Rows live exactly as
-- long as their session (cascade on sign-out, revocation, expiry sweeps); sessions
-- are bounded by SESSION_MAX_LIFETIME_DAYS, which bounds this table too.
CREATE TABLE session_retired_tokens (
  token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  -- ON UPDATE CASCADE only as a backstop: a new sign-in on the device replaces the
  -- session's id and deletes its retired tokens in the same statement, and a
  -- refresh committing in between must not make that sign-in fail.
  session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE ON UPDATE CASCADE,
  retired_at  timestamptz NOT NULL
);
CREATE INDEX session_retired_tokens_session_idx ON session_retired_tokens (session_id);

-- The one retired token sessions knew so far.
INSERT INTO session_retired_tokens (token_hash, session_id, retired_at)
SELECT previous_token_hash, id, COALESCE(rotated_at, created_at)
  FROM sessions
 WHERE previous_token_hash IS NOT NULL AND length(previous_token_hash) = 32
ON CONFLICT (token_hash) DO NOTHING;

-- Absolute session lifetime (ASVS 3.3.2): every refresh now caps the expiry at
-- created_at + SESSION_MAX_LIFETIME_DAYS; existing sessions are brought under the
-- default (180 days, in hours so no time zone shifts it) from their created_at.
UPDATE sessions SET expires_at = created_at + interval '4320 hours'
 WHERE expires_at > created_at + interval '4320 hours';

-- migrate:down
DROP TABLE session_retired_tokens;
