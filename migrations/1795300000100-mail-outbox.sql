-- Transactional outbox for mail: a row is written in the same transaction as the
-- change that causes the mail (the user row, the token), and a worker sends it.
--
--   pending  due at available_at (first try, or the retry after a back-off)
--   sending  claimed by a worker; available_at is the end of its lease. A worker
--            that dies mid-send leaves the row to be claimed again after the lease.
--   sent     delivered to the SMTP server (or logged in development without SMTP)
--   failed   given up after the maximum number of attempts
--
-- `data` holds the template's fields, including links with single-use tokens: it is
-- emptied as soon as the row is sent or failed, so tokens live here only while queued.
CREATE TYPE mail_outbox_status AS ENUM ('pending', 'sending', 'sent', 'failed');

CREATE TABLE mail_outbox (
  id            uuid PRIMARY KEY DEFAULT uuid_v7(),
  recipient     text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 320),
  template      text NOT NULL CHECK (template ~ '^[a-z][a-z0-9-]{1,63}$'),
  locale        text NOT NULL DEFAULT 'en' CHECK (length(locale) <= 35),
  data          jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
  status        mail_outbox_status NOT NULL DEFAULT 'pending',
  attempts      integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  available_at  timestamptz NOT NULL,
  lease_id      uuid,
  last_error    text CHECK (length(last_error) <= 500),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  sent_at       timestamptz
);

-- The worker's claim: due rows that still need work, oldest due first.
CREATE INDEX mail_outbox_due_idx ON mail_outbox (available_at) WHERE status IN ('pending', 'sending');

-- migrate:down
DROP TABLE mail_outbox;
DROP TYPE mail_outbox_status;
