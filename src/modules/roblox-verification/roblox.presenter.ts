import type { Wire } from '../../common/grpc/wire';
import type { StartedVerification } from './roblox-proof.service';
import type { RobloxIdentityRecord } from './roblox-verification.repository';

/** roblox.v1.StartVerificationResponse */
export function presentStartedVerification(started: StartedVerification, wire: Wire): Record<string, unknown> {
  return {
    code: started.code, expiresAt: wire.time(started.expiresAt), instructions: started.instructions, verificationId: started.verificationId,
  };
}

/** roblox.v1.RobloxIdentity */
export function presentRobloxIdentity(identity: RobloxIdentityRecord, wire: Wire): Record<string, unknown> {
  return { robloxUserId: identity.robloxUserId, username: identity.username, linkedAt: wire.time(identity.linkedAt) };
}
