import type { Principal } from './principal';

/** Verifies an access token's signature and claims (no I/O); throws an UNAUTHENTICATED DomainError. */
export abstract class AccessTokenVerifier {
  abstract verify(token: string): Principal;
}

export interface LiveSession {
  readonly role: string;
  readonly permissions: Readonly<Record<string, boolean>>;
}

/**
 * Looks up whether a session still exists and its user is active, with the
 * user's current role: a revoked session or a role change takes effect at
 * once for every call but the @ReadOnly ones.
 */
export abstract class LiveSessionLookup {
  abstract find(sessionId: string, userId: string): Promise<LiveSession | null>;
}
