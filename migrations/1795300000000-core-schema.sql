-- Core schema for the auth flows. Runs on PostgreSQL 15 through 18.

-- UUIDv7 (time-ordered ids): built in only from PostgreSQL 18, so define it here.
-- A random v4 UUID with its first 48 bits replaced by the Unix time in ms and
-- the version nibble turned from 4 (0100) into 7 (0111) by setting bits 52 and 53.
CREATE FUNCTION uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;

-- Stored lower-cased and trimmed by the application; the domain is the last line of defence.
CREATE DOMAIN email_address AS text
  CHECK (length(VALUE) <= 254 AND VALUE = lower(VALUE) AND VALUE ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$');

-- E.164: a plus sign and up to 15 digits, no leading zero.
CREATE DOMAIN phone_e164 AS text
  CHECK (VALUE ~ '^\+[1-9][0-9]{6,14}$');

CREATE TYPE user_status AS ENUM ('pending', 'active', 'suspended', 'deleted');

CREATE TABLE roles (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{1,31}$'),
  permissions jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(permissions) = 'object'),
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO roles (name, permissions, description) VALUES
  ('admin', '{"*": true}', 'Full access'),
  ('user',  '{"profile:read": true, "profile:write": true}', 'A signed-up account'),
  ('guest', '{"profile:read": true}', 'Read-only access');

CREATE TABLE users (
  id              uuid PRIMARY KEY DEFAULT uuid_v7(),
  email           email_address,
  phone           phone_e164,
  email_verified  boolean NOT NULL DEFAULT false,
  phone_verified  boolean NOT NULL DEFAULT false,
  password_hash   text,
  role            text NOT NULL DEFAULT 'user' REFERENCES roles (name) ON UPDATE CASCADE,
  status          user_status NOT NULL DEFAULT 'active',
  last_login_at   timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  deleted_at      timestamptz,
  CONSTRAINT users_deleted_at_matches_status CHECK ((status = 'deleted') = (deleted_at IS NOT NULL))
);

-- Soft-deleted rows do not hold their email or phone: a new account may take them.
CREATE UNIQUE INDEX users_email_live_key ON users (email) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX users_phone_live_key ON users (phone) WHERE deleted_at IS NULL;

-- Failed sign-ins and lockouts, kept per normalised identifier rather than per
-- user, so an unknown identifier locks exactly like a known one (no enumeration
-- through LOCKED). No upper bound on the counter: increments are atomic upserts.
CREATE TABLE login_attempts (
  identifier       text PRIMARY KEY CHECK (length(identifier) <= 320),
  failed_attempts  integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
  locked_until     timestamptz,
  last_failed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_last_failed_at_idx ON login_attempts (last_failed_at);

CREATE TABLE user_profiles (
  user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  display_name  text NOT NULL DEFAULT '' CHECK (length(display_name) <= 100),
  avatar_url    text CHECK (length(avatar_url) <= 2048),
  locale        text NOT NULL DEFAULT 'en' CHECK (length(locale) <= 35),
  timezone      text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) <= 64),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One session per (user, device). The refresh token is stored only as its
-- SHA-256; the previous hash and rotation time allow the two-tab grace window
-- and detect reuse of a rotated token.
CREATE TABLE sessions (
  id                   uuid PRIMARY KEY DEFAULT uuid_v7(),
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  device_id            text NOT NULL CHECK (length(device_id) BETWEEN 1 AND 128),
  installation_id      uuid NOT NULL,
  device_name          text NOT NULL DEFAULT '' CHECK (length(device_name) <= 128),
  device_type          text NOT NULL DEFAULT '' CHECK (length(device_type) <= 64),
  client_version       text NOT NULL DEFAULT '' CHECK (length(client_version) <= 64),
  metadata             jsonb NOT NULL DEFAULT '{}'::jsonb,
  refresh_token_hash   bytea NOT NULL,
  previous_token_hash  bytea,
  rotated_at           timestamptz,
  ip_address           text NOT NULL DEFAULT '',
  ip_created_by        text NOT NULL DEFAULT '',
  ip_country           text NOT NULL DEFAULT '',
  activity_count       integer NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL DEFAULT now(),
  last_seen_at         timestamptz NOT NULL DEFAULT now(),
  expires_at           timestamptz NOT NULL,
  CONSTRAINT sessions_user_device_key UNIQUE (user_id, device_id)
);
CREATE UNIQUE INDEX sessions_refresh_token_hash_key ON sessions (refresh_token_hash);
CREATE INDEX sessions_previous_token_hash_idx ON sessions (previous_token_hash) WHERE previous_token_hash IS NOT NULL;
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Single-use tokens: stored as SHA-256 hashes, consumed by one conditional UPDATE.
CREATE TABLE password_reset_tokens (
  id          uuid PRIMARY KEY DEFAULT uuid_v7(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id);
CREATE INDEX password_reset_tokens_expires_at_idx ON password_reset_tokens (expires_at);

CREATE TABLE email_verification_tokens (
  id          uuid PRIMARY KEY DEFAULT uuid_v7(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  email       email_address NOT NULL,
  token_hash  bytea NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX email_verification_tokens_user_idx ON email_verification_tokens (user_id);
CREATE INDEX email_verification_tokens_expires_at_idx ON email_verification_tokens (expires_at);

-- migrate:down
DROP TABLE email_verification_tokens;
DROP TABLE password_reset_tokens;
DROP TABLE sessions;
DROP TABLE user_profiles;
DROP TABLE login_attempts;
DROP TABLE users;
DROP TABLE roles;
DROP TYPE user_status;
DROP DOMAIN phone_e164;
DROP DOMAIN email_address;
DROP FUNCTION uuid_v7();
