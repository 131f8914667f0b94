import type { Wire } from '../../common/grpc/wire';
import { presentAuthResponse, presentUserSnapshot } from '../tokens/auth-response.presenter';
import type { VerificationOutcome } from './email-verification.service';

/** auth.v1.AuthResponse of ConfirmVerification. */
export function presentVerification(outcome: VerificationOutcome, wire: Wire): Record<string, unknown> {
  if (outcome.tokens) {
    return { ...presentAuthResponse({ status: 'SUCCESS', tokens: outcome.tokens, user: outcome.user }, wire), message: 'Email address verified; signed in' };
  }
  return {
    status: 'AUTH_STATUS_SUCCESS',
    user: presentUserSnapshot(outcome.user, wire),
    message: 'Email address verified; sign in to continue (two-factor authentication is on)',
  };
}
