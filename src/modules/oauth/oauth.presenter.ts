import type { OAuthProvider } from '../../common/grpc/enums';
import type { Wire } from '../../common/grpc/wire';
import type { OAuthProviderName } from '../../config/oauth-config';
import type { LinkedIdentity } from './oauth.model';

/** `OAUTH_PROVIDER_GOOGLE` -> `google` (UNSPECIFIED is refused by the DTOs before this). */
export function providerNameOf(value: string): OAuthProviderName {
  return value.replace(/^OAUTH_PROVIDER_/, '').toLowerCase() as OAuthProviderName;
}

export function providerEnumOf(name: OAuthProviderName): OAuthProvider {
  return `OAUTH_PROVIDER_${name.toUpperCase()}` as OAuthProvider;
}

/** auth.v1.ListLinkedProvidersResponse */
export function presentLinkedProviders(identities: readonly LinkedIdentity[], wire: Wire): Record<string, unknown> {
  return {
    providers: identities.map((i) => ({
      provider: providerEnumOf(i.provider),
      providerUserId: i.subject,
      email: i.email ?? '',
      linkedAt: wire.time(i.linkedAt),
    })),
  };
}
