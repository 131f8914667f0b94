export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly installationId: string;
  readonly deviceName: string;
  readonly deviceType: string;
  readonly clientVersion: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly ipAddress: string;
  readonly ipCreatedBy: string;
  readonly ipCountry: string;
  readonly activityCount: number;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly expiresAt: Date;
  /** SHA-256 of the current refresh token (to mark the caller's session). */
  readonly refreshTokenHash: Buffer;
}

export interface DeviceInfo {
  readonly deviceId: string;
  readonly installationId: string;
  readonly deviceName?: string;
  readonly deviceType?: string;
  readonly clientVersion?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface NewSession {
  readonly userId: string;
  readonly device: DeviceInfo;
  readonly refreshTokenHash: Buffer;
  readonly ip: string;
  readonly ipCountry: string;
  readonly now: Date;
  readonly expiresAt: Date;
}

export interface Rotation {
  readonly presentedHash: Buffer;
  readonly newHash: Buffer;
  readonly now: Date;
  /** A token rotated after this instant may still be presented (two tabs refreshing at once). */
  readonly graceSince: Date;
  /** The slid expiry; capped at created_at + maxLifetimeSeconds. */
  readonly expiresAt: Date;
  /** SESSION_MAX_LIFETIME_DAYS in seconds: no refresh extends a session past created_at + this. */
  readonly maxLifetimeSeconds: number;
  readonly ip: string;
  readonly ipCountry: string;
}

/** The owner data an access token needs, read with the session in one statement. */
export interface SessionOwner {
  readonly status: string;
  readonly role: string;
  readonly email: string | null;
  readonly displayName: string;
}
