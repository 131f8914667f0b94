import type { Wire } from '../../common/grpc/wire';
import type { ConfirmSetupResult, MfaStatus, TotpSetup } from './totp.service';

/** auth.v1.SetupMfaResponse */
export function presentSetup(setup: TotpSetup, wire: Wire): Record<string, unknown> {
  return {
    secret: setup.secret,
    provisioningUri: setup.provisioningUri,
    maskedDestination: '',
    setupToken: setup.setupToken,
    expiresAt: wire.time(setup.expiresAt),
    qrCodeSvg: setup.qrCodeSvg,
  };
}

/** auth.v1.ConfirmMfaSetupResponse: one branch of the oneof `result` (the same object on both transports). */
export function presentConfirmSetup(result: ConfirmSetupResult): Record<string, unknown> {
  return result.ok
    ? { success: { recoveryCodes: [...result.recoveryCodes] } }
    : { error: { message: result.message, code: result.code } };
}

/** auth.v1.GetMfaStatusResponse */
export function presentStatus(status: MfaStatus, wire: Wire): Record<string, unknown> {
  return {
    enabled: status.enabled,
    methods: status.methods.map((m) => ({ method: m.method, enabled: m.enabled, hint: m.hint, configuredAt: wire.time(m.configuredAt) })),
    recoveryCodesRemaining: status.recoveryCodesRemaining,
  };
}
