-- Roblox identity (roblox.v1.RobloxService) and developer portfolios
-- (portfolio.v1.PortfolioService).

-- The Roblox user linked to an account. The three columns are set and cleared
-- together. Roblox user ids are positive 64-bit integers.
ALTER TABLE users
  ADD COLUMN roblox_user_id   bigint CHECK (roblox_user_id > 0),
  ADD COLUMN roblox_username  text CHECK (length(roblox_username) <= 64),
  ADD COLUMN roblox_linked_at timestamptz,
  ADD CONSTRAINT users_roblox_identity_complete CHECK (
    (roblox_user_id IS NULL) = (roblox_username IS NULL) AND (roblox_user_id IS NULL) = (roblox_linked_at IS NULL));

-- A Roblox user belongs to at most one live account (the index decides races between
-- two sign-ups or links); a soft-deleted account releases it, like its email.
CREATE UNIQUE INDEX users_roblox_user_id_live_key ON users (roblox_user_id)
  WHERE deleted_at IS NULL AND roblox_user_id IS NOT NULL;

-- The live verification code of a Roblox user, stored only as SHA-256. One row per
-- Roblox user: a new code replaces the previous one. A successful check sets used_at
-- with one conditional UPDATE, so a code proves ownership once.
CREATE TABLE roblox_verification_codes (
  roblox_user_id  bigint PRIMARY KEY CHECK (roblox_user_id > 0),
  code_hash       bytea NOT NULL CHECK (length(code_hash) = 32),
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  used_at         timestamptz
);
CREATE INDEX roblox_verification_codes_expires_at_idx ON roblox_verification_codes (expires_at);

-- The public portfolio fields of an account. Display name and time zone are the
-- account's own (user_profiles); a missing row means every field is empty.
CREATE TABLE portfolio_profiles (
  user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  theme         text NOT NULL DEFAULT '' CHECK (length(theme) <= 32),
  language      text NOT NULL DEFAULT '' CHECK (length(language) <= 35),
  country_code  text NOT NULL DEFAULT '' CHECK (country_code = '' OR country_code ~ '^[A-Z]{2}$'),
  tagline       text NOT NULL DEFAULT '' CHECK (length(tagline) <= 160),
  biography     text NOT NULL DEFAULT '' CHECK (length(biography) <= 4000),
  website       text NOT NULL DEFAULT '' CHECK (length(website) <= 2048),
  public_email  text NOT NULL DEFAULT '' CHECK (length(public_email) <= 254),
  twitter       text NOT NULL DEFAULT '' CHECK (length(twitter) <= 64),
  instagram     text NOT NULL DEFAULT '' CHECK (length(instagram) <= 64),
  facebook      text NOT NULL DEFAULT '' CHECK (length(facebook) <= 64),
  youtube       text NOT NULL DEFAULT '' CHECK (length(youtube) <= 64),
  github        text NOT NULL DEFAULT '' CHECK (length(github) <= 64),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);

-- Work experiences. A title is unique per account, case-insensitively: the index
-- decides between two creations racing with the same title.
CREATE TABLE portfolio_experiences (
  id           uuid PRIMARY KEY DEFAULT uuid_v7(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
  company      text NOT NULL DEFAULT '' CHECK (length(company) <= 100),
  start_date   date NOT NULL,
  end_date     date CHECK (end_date IS NULL OR end_date >= start_date),
  description  text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX portfolio_experiences_user_title_key ON portfolio_experiences (user_id, lower(title));
CREATE INDEX portfolio_experiences_user_start_idx ON portfolio_experiences (user_id, start_date DESC, id DESC);

-- Skill categories of an account, each with an ordered list of distinct skills
-- (case-insensitively). Writes of one account's skills run under a transaction-scoped
-- advisory lock on the account, so counts and positions are exact; the unique
-- indexes are the last line of defence.
CREATE TABLE portfolio_skill_categories (
  id          uuid PRIMARY KEY DEFAULT uuid_v7(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  position    integer NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX portfolio_skill_categories_user_name_key ON portfolio_skill_categories (user_id, lower(name));

CREATE TABLE portfolio_skills (
  id           uuid PRIMARY KEY DEFAULT uuid_v7(),
  category_id  uuid NOT NULL REFERENCES portfolio_skill_categories (id) ON DELETE CASCADE,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  position     integer NOT NULL,
  created_at   timestamptz NOT NULL,
  CONSTRAINT portfolio_skills_category_position_key UNIQUE (category_id, position)
);
CREATE UNIQUE INDEX portfolio_skills_category_name_key ON portfolio_skills (category_id, lower(name));

-- migrate:down
DROP TABLE portfolio_skills;
DROP TABLE portfolio_skill_categories;
DROP TABLE portfolio_experiences;
DROP TABLE portfolio_profiles;
DROP TABLE roblox_verification_codes;
DROP INDEX users_roblox_user_id_live_key;
ALTER TABLE users
  DROP CONSTRAINT users_roblox_identity_complete,
  DROP COLUMN roblox_linked_at,
  DROP COLUMN roblox_username,
  DROP COLUMN roblox_user_id;
