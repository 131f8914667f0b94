import type { OAuthProviderName } from '../../config/oauth-config';
import type { LinkedIdentity, ProviderIdentity } from './oauth.model';

/** The port of oauth_accounts; PgOAuthAccountsRepository is its only writer. */
export abstract class OAuthAccountsRepository {
  /** The live (not soft-deleted) account the identity is linked to, or null. */
  abstract findOwner(provider: OAuthProviderName, subject: string): Promise<string | null>;
  abstract listForUser(userId: string): Promise<LinkedIdentity[]>;
  /**
   * Links the identity to the user. A link held by a soft-deleted account is taken
   * over (deletion frees identities as it frees email addresses). Throws
   * OAUTH_IDENTITY_TAKEN when a live account holds the identity, OAUTH_PROVIDER_HAS_LINK
   * when the user has another identity of the provider (the unique keys decide races).
   */
  abstract link(userId: string, identity: ProviderIdentity, now: Date): Promise<void>;
  /**
   * Removes the user's link to `provider` unless it is the account's last way to sign in
   * (no password, no Roblox link, no other provider). Call inside a transaction that holds
   * the user's row lock, so two unlinks of one account cannot both see the other's link.
   */
  abstract unlinkUnlessLast(userId: string, provider: OAuthProviderName): Promise<'unlinked' | 'not_linked' | 'last'>;
}
