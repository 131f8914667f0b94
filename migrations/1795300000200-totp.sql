-- TOTP two-factor authentication: the enabled factor, pending setups, recovery
-- codes and sign-in challenges. Secrets are stored only as AES-256-GCM
-- ciphertext (nonce || tag || ciphertext, authenticated with the user id) under
-- the MFA_ENCRYPTION_KEY entry named by key_id; tokens and codes only as SHA-256.

-- At most one TOTP factor per user: the primary key is what makes two racing
-- confirmations unable to leave two secrets.
CREATE TABLE user_totp (
  user_id            uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_ciphertext  bytea NOT NULL,
  key_id             text NOT NULL CHECK (length(key_id) BETWEEN 1 AND 32),
  -- Replay guard: the RFC 6238 time step of the last accepted code; a code is
  -- accepted only for a strictly greater step (one conditional UPDATE).
  last_used_step     bigint NOT NULL DEFAULT -1,
  configured_at      timestamptz NOT NULL,
  last_used_at       timestamptz
);

-- SetupMfa hands out a secret and a setup token; ConfirmMfaSetup consumes the
-- token (one conditional UPDATE) and moves the secret into user_totp.
CREATE TABLE mfa_setup_tokens (
  id                 uuid PRIMARY KEY DEFAULT uuid_v7(),
  user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash         bytea NOT NULL UNIQUE,
  secret_ciphertext  bytea NOT NULL,
  key_id             text NOT NULL CHECK (length(key_id) BETWEEN 1 AND 32),
  failed_attempts    integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  created_at         timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL,
  used_at            timestamptz
);
CREATE INDEX mfa_setup_tokens_user_idx ON mfa_setup_tokens (user_id);
CREATE INDEX mfa_setup_tokens_expires_at_idx ON mfa_setup_tokens (expires_at);

CREATE TABLE mfa_recovery_codes (
  id          uuid PRIMARY KEY DEFAULT uuid_v7(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash   bytea NOT NULL,
  created_at  timestamptz NOT NULL,
  used_at     timestamptz,
  CONSTRAINT mfa_recovery_codes_user_code_key UNIQUE (user_id, code_hash)
);

-- A password step passed by a user with MFA: the device and address the
-- session will be issued for once VerifyMfa answers it.
CREATE TABLE mfa_challenges (
  id                uuid PRIMARY KEY DEFAULT uuid_v7(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash        bytea NOT NULL UNIQUE,
  device_id         text NOT NULL CHECK (length(device_id) BETWEEN 1 AND 128),
  installation_id   uuid NOT NULL,
  device_name       text NOT NULL DEFAULT '' CHECK (length(device_name) <= 128),
  device_type       text NOT NULL DEFAULT '' CHECK (length(device_type) <= 64),
  client_version    text NOT NULL DEFAULT '' CHECK (length(client_version) <= 64),
  metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip_address        text NOT NULL DEFAULT '',
  failed_attempts   integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  created_at        timestamptz NOT NULL,
  expires_at        timestamptz NOT NULL,
  used_at           timestamptz
);
CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id);
CREATE INDEX mfa_challenges_expires_at_idx ON mfa_challenges (expires_at);

-- migrate:down
DROP TABLE mfa_challenges;
DROP TABLE mfa_recovery_codes;
DROP TABLE mfa_setup_tokens;
DROP TABLE user_totp;
