-- Social sign-in (OAuth 2.0 / OpenID Connect). Provider names are the lower-case
-- OAuthProvider enum names without prefix; 'oidc' is the generic OpenID provider
-- of OAUTH_OIDC_ISSUER.

-- A started authorization-code flow (GetOAuthUrl), single use: ExchangeOAuthCode or
-- LinkOAuthProvider deletes it with DELETE ... RETURNING, so of a burst presenting one
-- state exactly one gets the row. Only the SHA-256 of the state is stored (it carries
-- 256 random bits, like the other opaque tokens). The PKCE verifier is useless without
-- the authorization code, which only the user's browser ever sees; rows live minutes.
CREATE TABLE oauth_flows (
  state_hash     bytea PRIMARY KEY CHECK (length(state_hash) = 32),
  provider       text NOT NULL CHECK (provider IN ('google', 'github', 'microsoft', 'apple', 'facebook', 'oidc')),
  redirect_uri   text NOT NULL CHECK (length(redirect_uri) <= 2048),
  code_verifier  text NOT NULL CHECK (length(code_verifier) BETWEEN 43 AND 128),
  -- OpenID providers only: the ID token must carry it back.
  nonce          text CHECK (length(nonce) <= 128),
  -- The client's opaque state_data, kept with the flow (bounded by the request rule).
  state_data     text NOT NULL DEFAULT '' CHECK (length(state_data) <= 2048),
  -- Set when a signed-in user started the flow: only that user can link with it.
  user_id        uuid REFERENCES users (id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL
);
CREATE INDEX oauth_flows_expires_idx ON oauth_flows (expires_at);

-- A provider identity linked to an account: one identity per provider per account,
-- one account per identity. Provider tokens are not stored (nothing needs them later).
CREATE TABLE oauth_accounts (
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider   text NOT NULL CHECK (provider IN ('google', 'github', 'microsoft', 'apple', 'facebook', 'oidc')),
  subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  email      text CHECK (length(email) <= 320),
  linked_at  timestamptz NOT NULL,
  CONSTRAINT oauth_accounts_pkey PRIMARY KEY (user_id, provider),
  CONSTRAINT oauth_accounts_identity_key UNIQUE (provider, subject)
);

-- migrate:down
DROP TABLE oauth_accounts;
DROP TABLE oauth_flows;
