-- Look-alike email addresses are one account (issue 15, ASVS V5.1.4). The application now
-- folds every email it receives: Unicode NFKC, then lower case (src/modules/auth/identifier.ts,
-- foldEmail), so `ａdmin@example.com` (fullwidth a) is `admin@example.com`. Stored addresses
-- were only lower-cased (the email_address domain has required that since the first
-- migration, so no stored address has upper case); here the live ones get the same fold.
--
-- Left exactly as they are, never failing the migration:
--   * an address whose folded form another live account already holds, or would hold
--     after folding (two look-alikes of one address): rewriting either would break the
--     unique index or hand one account the other's address. Sign-in folds what it is
--     given, so such a row is not reachable by its address any more (the plain address
--     reaches the account that holds it); an administrator resolves it by giving the
--     account another address (UpdateUser). Find them with
--       SELECT id, email FROM users
--        WHERE deleted_at IS NULL AND email <> lower(normalize(email, NFKC));
--   * an address whose folded form the email_address domain refuses (a no-break space
--     becomes a space, a fullwidth ＠ a second at sign, or it grows past 254 characters);
--   * addresses with invisible (format or control) characters, which the application now
--     refuses as input: NFKC keeps them, so they stay, unreachable, like the above;
--   * soft-deleted rows (they hold no address; the unique index ignores them);
--   * everything, with a notice, when the database encoding is not UTF8 (normalize()
--     needs it).
-- Unused email-verification links of a folded account follow its address, so a pending
-- link keeps working. Plain ASCII addresses are already folded and are not rewritten.
DO $$
BEGIN
  IF current_setting('server_encoding') <> 'UTF8' THEN
    RAISE NOTICE 'normalize-emails: the database encoding is not UTF8; stored email addresses were not folded';
    RETURN;
  END IF;
  -- Writes wait for the few seconds this takes: a sign-up taking a folded address
  -- between the check below and the UPDATE would fail the migration on the unique index.
  LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;

  WITH candidates AS (
    SELECT id, email, lower(normalize(email, NFKC)) AS folded
      FROM users
     -- octet_length > length: some character is not ASCII (ASCII is its own NFKC form).
     WHERE deleted_at IS NULL AND email IS NOT NULL AND octet_length(email) > length(email)
  ), movable AS (
    SELECT c.id, c.email, c.folded
      FROM (SELECT *, count(*) OVER (PARTITION BY folded) AS twins FROM candidates) c
     WHERE c.folded <> c.email
       AND c.twins = 1
       AND length(c.folded) <= 254
       AND c.folded ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
       AND NOT EXISTS (SELECT 1 FROM users o WHERE o.email = c.folded AND o.deleted_at IS NULL)
  ), links AS (
    UPDATE email_verification_tokens t SET email = m.folded
      FROM movable m
     WHERE t.user_id = m.id AND t.email = m.email AND t.used_at IS NULL
  )
  UPDATE users u SET email = m.folded FROM movable m WHERE u.id = m.id;
END
$$;

-- migrate:down
-- Folding is not undone: the original spellings are not kept, and earlier versions read
-- and write folded addresses like any other lower-case address.
SELECT 1;
