/** Who is calling: set by the JWT guard on both transports. */
export interface Principal {
  readonly userId: string;
  readonly sessionId: string;
  /** The role: from the token on read-only calls, fresh from the database on state-changing ones. */
  readonly role: string;
  readonly deviceId: string;
  readonly installationId: string;
  readonly email?: string;
  readonly name?: string;
  /** Permissions of the role when the guard loaded them (state-changing calls and @RequirePermissions). */
  readonly permissions?: Readonly<Record<string, boolean>>;
  /** iat and exp of the access token the caller presented. */
  readonly tokenIssuedAt: Date;
  readonly tokenExpiresAt: Date;
}
