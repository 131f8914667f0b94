import { randomUUID } from 'node:crypto';

let counter = 0;

/** A unique email per call, so tests in one file never collide. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${counter}-${randomUUID().slice(0, 8)}@example.com`;
}

export const PASSWORD = 'correct-horse-7';

export function clientInfo(deviceId = `device-${randomUUID().slice(0, 8)}`) {
  return { deviceId, deviceName: 'Test phone', deviceType: 'ios', clientVersion: '1.2.3', metadata: { build: '42' } };
}

/** A SignUp / Authenticate body (same field names on both transports, except UUID wrapping on gRPC). */
export function credentials(identifier: string, password = PASSWORD, deviceId?: string) {
  return { identifier, password, installationId: randomUUID(), clientInfo: clientInfo(deviceId) };
}

/** gRPC spells core.v1.UUID as a message. */
export function forGrpc<T extends { installationId: string }>(body: T): Omit<T, 'installationId'> & { installationId: { value: string } } {
  return { ...body, installationId: { value: body.installationId } };
}
