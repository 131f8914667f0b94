import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { hashOpaqueToken } from '../../common/crypto/opaque-token';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { OAuthProviderName } from '../../config/oauth-config';
import { Db } from '../../database/db';
import { AccountMailService } from '../account-mail/account-mail.service';
import { PasswordSignIn } from '../auth/password-sign-in';
import type { Principal } from '../../common/auth/principal';
import type { DeviceInfo } from '../sessions/session.model';
import { RecentAuthentication } from '../totp/recent-authentication';
import type { AuthOutcome } from '../tokens/auth-outcome.model';
import type { UserRecord } from '../users/user.model';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import { OAuthAccountsRepository } from './oauth-accounts.repository';
import { OAuthFlowsRepository } from './oauth-flows.repository';
import { OAuthProviders } from './oauth-providers';
import type { LinkedIdentity, OAuthFlow, ProviderIdentity } from './oauth.model';

export interface OAuthUrlRequest {
  readonly provider: OAuthProviderName;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly stateData: string;
}

/** How a provider is named to people (mails, messages). */
export const PROVIDER_LABEL: Readonly<Record<OAuthProviderName, string>> = {
  google: 'Google', github: 'GitHub', microsoft: 'Microsoft', apple: 'Apple', facebook: 'Facebook', oidc: 'single sign-on',
};

/**
 * Social sign-in: GetOAuthUrl, ExchangeOAuthCode, LinkOAuthProvider, UnlinkOAuthProvider,
 * ListLinkedProviders. The flow (PKCE verifier, nonce, redirect URI, the linking user)
 * lives server-side under the hash of `state` and is spent by one DELETE ... RETURNING.
 */
@Injectable()
export class OAuthService {
  private readonly logger = new Logger('OAuth');

  constructor(
    private readonly providers: OAuthProviders,
    private readonly flows: OAuthFlowsRepository,
    private readonly accounts: OAuthAccountsRepository,
    private readonly users: UsersRepository,
    private readonly activeUsers: UsersService,
    private readonly passwords: PasswordSignIn,
    private readonly accountMail: AccountMailService,
    private readonly recentAuth: RecentAuthentication,
    private readonly db: Db,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Starts a flow: a fresh state (256 bits), PKCE S256 verifier and, for OpenID
   * providers, a nonce (OAuthProviders.authorize). A signed-in caller's flow is bound
   * to it (only it can link with it); its session must have signed in recently, checked
   * here so the user is not sent to the provider for a link that will be refused.
   */
  async startFlow(request: OAuthUrlRequest, caller?: Principal): Promise<{ authorizationUrl: string; state: string }> {
    const settings = this.providers.settingsOf(request.provider);
    if (!settings.redirectUris.includes(request.redirectUri)) {
      throw DomainError.validation([{ field: 'redirectUri', description: `is not an allowed redirect URI for this provider (exact match with OAUTH_REDIRECT_URIS)` }]);
    }
    if (caller) {
      await this.activeUsers.getActiveUser(caller.userId);
      await this.recentAuth.assertRecentSignIn(caller, LINK_REAUTH);
    }
    const { url, state, codeVerifier, nonce } = await this.providers.authorize(request.provider, {
      redirectUri: request.redirectUri,
      scopes: this.providers.scopesFor(request.provider, request.scopes),
    });
    const now = this.clock.now();
    const flow: OAuthFlow = {
      provider: request.provider,
      redirectUri: request.redirectUri,
      codeVerifier,
      nonce,
      stateData: request.stateData,
      userId: caller?.userId ?? null,
      expiresAt: new Date(now.getTime() + this.config.oauth.flowTtlMinutes * 60_000),
    };
    await this.flows.save(hashOpaqueToken(state), flow, now);
    return { authorizationUrl: url.href, state };
  }

  /**
   * ExchangeOAuthCode: spends the flow, exchanges the code, then signs in the account
   * the identity is linked to; or links it to the account of the provider's verified
   * address when that account's address is verified too (and mails the account);
   * or creates an account. Ends like a password sign-in (MFA_REQUIRED, SUSPENDED, tokens).
   */
  async exchange(code: string, state: string, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    const flow = await this.consume(state);
    const identity = await this.providers.identify(flow, code, state);
    try {
      return await this.signIn(identity, device, ip);
    } catch (e) {
      if (!(e instanceof DomainError) || !RACE_LOSSES.has(e.code)) throw e;
      // Two first sign-ins of one identity racing (a double click, two tabs): the loser's new
      // account or link collided with the winner's, which holds the identity now; the loser
      // signs in to it as it would a moment later.
      const ownerId = await this.accounts.findOwner(identity.provider, identity.subject);
      if (ownerId) return this.finish(await this.users.findById(ownerId), device, ip);
      // Otherwise another account took the address meanwhile.
      throw e.code === 'USER_IDENTIFIER_TAKEN' ? emailInUse(identity.provider) : e;
    }
  }

  private async signIn(identity: ProviderIdentity, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    const ownerId = await this.accounts.findOwner(identity.provider, identity.subject);
    if (ownerId) return this.finish(await this.users.findById(ownerId), device, ip);
    const byEmail = identity.email ? await this.users.findByIdentifier('email', identity.email) : null;
    if (byEmail) return this.signInByEmail(byEmail, identity, device, ip);
    return this.finish(await this.createAccount(identity), device, ip);
  }

  /**
   * LinkOAuthProvider: the flow must have been started by the caller (GetOAuthUrl with its
   * access token), on a session that signed in within REAUTH_MAX_AGE_MINUTES: whoever links
   * an identity decides who can sign in later, so a stolen access token or a session left
   * open must not be enough to add the thief's (ASVS 3.7.1, as for SetupMfa).
   */
  async link(caller: Principal, code: string, state: string): Promise<void> {
    const userId = caller.userId;
    const user = await this.activeUsers.getActiveUser(userId);
    await this.recentAuth.assertRecentSignIn(caller, LINK_REAUTH);
    const flow = await this.consume(state, userId);
    const identity = await this.providers.identify(flow, code, state);
    const ownerId = await this.accounts.findOwner(identity.provider, identity.subject);
    if (ownerId === userId) return;
    if (ownerId) throw new DomainError('OAUTH_IDENTITY_TAKEN', 'This provider account is already linked to another account');
    await this.db.transaction(async () => {
      await this.accounts.link(userId, identity, this.clock.now());
      await this.accountMail.queueOAuthLinked(user, PROVIDER_LABEL[identity.provider]);
    });
    this.logger.log({ userId, provider: identity.provider }, 'OAuth identity linked');
  }

  /**
   * Refuses to remove the account's last way to sign in. The user's row lock makes the
   * check and the delete one step against other unlinks (and Roblox unlinks, password changes).
   */
  async unlink(userId: string, provider: OAuthProviderName): Promise<void> {
    await this.activeUsers.getActiveUser(userId);
    const result = await this.db.transaction(async () => {
      await this.users.findForUpdate(userId);
      return this.accounts.unlinkUnlessLast(userId, provider);
    });
    if (result === 'not_linked') throw new DomainError('OAUTH_NOT_LINKED', `No OAUTH_PROVIDER_${provider.toUpperCase()} account is linked to this account`);
    if (result === 'last') {
      throw new DomainError(
        'OAUTH_UNLINK_LAST_SIGN_IN',
        'This provider is the only way to sign in to this account (no password, no other provider, no Roblox link); set a password or link another first',
      );
    }
    this.logger.log({ userId, provider }, 'OAuth identity unlinked');
  }

  async list(userId: string): Promise<LinkedIdentity[]> {
    await this.activeUsers.getActiveUser(userId);
    return this.accounts.listForUser(userId);
  }

  private async consume(state: string, userId?: string): Promise<OAuthFlow> {
    const flow = await this.flows.consume(hashOpaqueToken(state), this.clock.now(), userId);
    if (!flow) {
      throw new DomainError('OAUTH_STATE_INVALID', 'Unknown, expired or already used state; start again with GetOAuthUrl', {
        violations: [{ field: 'state', description: userId ? 'is not a live flow started by this user' : 'is not a live flow' }],
      });
    }
    return flow;
  }

  /**
   * Pre-account-takeover rule: an address links only when both sides proved it (the
   * provider asserts it verified, the account verified it by mail). Anything else with
   * a taken address is refused the same way, whichever side lacks the proof: the answer
   * tells only someone who controls a provider account with that address that it is in use.
   */
  private async signInByEmail(user: UserRecord, identity: ProviderIdentity, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    if (!identity.emailVerified || !user.emailVerified) throw emailInUse(identity.provider);
    if (user.status !== 'active') return this.finish(user, device, ip);
    await this.db.transaction(async () => {
      await this.accounts.link(user.id, identity, this.clock.now());
      await this.accountMail.queueOAuthLinked(user, PROVIDER_LABEL[identity.provider]);
    });
    this.logger.log({ userId: user.id, provider: identity.provider }, 'OAuth identity linked by its verified email address');
    return this.finish(await this.users.findById(user.id), device, ip);
  }

  /**
   * A new passwordless account holding the identity. It takes the provider's address only
   * when the provider verified it: an unverified one stays on the link (ListLinkedProviders)
   * but not on the account, so nobody can park someone else's address on an account they
   * control and wait for its owner to verify it (the pre-account-takeover that verification
   * mails would otherwise open; password sign-ups are guarded in EmailVerificationService).
   */
  private async createAccount(identity: ProviderIdentity): Promise<UserRecord> {
    const email = identity.emailVerified ? identity.email : null;
    const created = await this.db.transaction(async () => {
      const user = await this.users.create({
        ...(email ? { email, emailVerified: true } : {}),
        passwordHash: null,
        status: 'active',
        displayName: identity.displayName,
      });
      await this.accounts.link(user.id, identity, this.clock.now());
      return user;
    });
    this.logger.log({ userId: created.id, provider: identity.provider }, 'Account created with an OAuth identity');
    return (await this.users.findById(created.id)) ?? created;
  }

  /** The end every sign-in shares with Authenticate: SUSPENDED / FAILED for inactive accounts, else MFA or tokens. */
  private async finish(user: UserRecord | null, device: DeviceInfo, ip: string): Promise<AuthOutcome> {
    if (!user || user.status === 'deleted') return { status: 'FAILED' };
    if (user.status === 'suspended') return { status: 'SUSPENDED' };
    if (user.status !== 'active') return { status: 'FAILED' };
    return this.passwords.complete(user, device, ip);
  }
}

/** What a sign-in that lost a race for its identity (or address) meets: USER_IDENTIFIER_TAKEN from UsersRepository.create, OAUTH_IDENTITY_TAKEN from OAuthAccountsRepository.link. */
const RACE_LOSSES: ReadonlySet<string> = new Set(['USER_IDENTIFIER_TAKEN', 'OAUTH_IDENTITY_TAKEN']);

const LINK_REAUTH = 'sign in again (with any method) to link a provider';

function emailInUse(provider: OAuthProviderName): DomainError {
  return new DomainError(
    'OAUTH_EMAIL_IN_USE',
    `An account already uses the email address of this ${PROVIDER_LABEL[provider]} account; sign in to that account and link ${PROVIDER_LABEL[provider]} from there`,
  );
}
