-- The verification a Roblox code belongs to. Roblox user ids are public, so the code
-- in a profile must not prove anything to whoever asks first: StartVerification
-- answers a random verification id (256 bits) to its caller only and stores its
-- SHA-256 here; a profile-code proof counts only when the caller presents that id.
-- A new code for the Roblox user replaces this hash with the code (one row per id).
-- NULL only for codes issued before this migration: they match no id, so they prove
-- nothing and simply expire.
ALTER TABLE roblox_verification_codes
  ADD COLUMN verification_hash bytea CHECK (length(verification_hash) = 32);

-- migrate:down
ALTER TABLE roblox_verification_codes DROP COLUMN verification_hash;
