/** Who is calling: set by the JWT guard on both transports. */
export interface Principal {
  readonly userId: string;
  readonly sessionId: string;
  /** The role: from the token on @ReadOnly calls, fresh from the database on every other call. */
  readonly role: string;
  readonly deviceId: string;
  readonly installationId: string;
  readonly email?: string;
  readonly name?: string;
  /** Permissions of the role when the guard loaded them (every call but @ReadOnly ones without @RequirePermissions). */
  readonly permissions?: Readonly<Record<string, boolean>>;
  /** iat and exp of the access token the caller presented. */
  readonly tokenIssuedAt: Date;
  readonly tokenExpiresAt: Date;
}
