-- A verification link remembers the app installation whose sign-up set the pending
-- password and asked for it: ConfirmVerification from that installation keeps the
-- password (the person who chose it is using the link), from anywhere else it does not
-- (pre-hijacking: the owner of the address following a squatter's link). NULL for links
-- that no sign-up asked for (RequestVerification, administrators, links sent before this).
ALTER TABLE email_verification_tokens ADD COLUMN signup_installation_id uuid;

-- migrate:down
ALTER TABLE email_verification_tokens DROP COLUMN signup_installation_id;
