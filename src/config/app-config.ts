import { EnvReader, type Env } from './env-reader';
import { mfaKeysProblem } from './mfa-keys';
import { parseSmtpUrl } from './smtp-url';
import { redisUrlProblem } from './redis-url';
import type { Secret } from './secret';
import { readOAuthConfig, type OAuthConfig } from './oauth-config';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The whole typed configuration; nothing outside config/ reads process.env. */
export interface AppConfig {
  readonly nodeEnv: NodeEnv;
  readonly serviceName: string;
  readonly http: { readonly host: string; readonly port: number; readonly corsAllowOrigins: readonly string[] };
  readonly grpc: { readonly host: string; readonly port: number; readonly reflection: boolean };
  readonly db: {
    /** Unset: the embedded PostgreSQL is started. */
    readonly url?: string;
    readonly password?: Secret;
    readonly poolMin: number;
    readonly poolMax: number;
    readonly migrateOnStart: boolean;
    readonly embedded: { readonly port: number; readonly dataDir: string };
  };
  readonly jwt: {
    readonly secretKey?: Secret;
    readonly privateKey?: Secret;
    readonly previousPublicKeys?: Secret;
    readonly issuer: string;
    readonly accessTokenTtlMinutes: number;
  };
  readonly sessions: {
    readonly refreshTokenTtlDays: number;
    readonly refreshReuseGraceSeconds: number;
    readonly maxLifetimeDays: number;
    /** How recent a session's last sign-in must be for SetupMfa without the password (refreshes do not count). */
    readonly reauthMaxAgeMinutes: number;
  };
  readonly maintenance: {
    /** Period of the expiry sweeps (sessions, tokens, challenges, codes, counters); 0: off. */
    readonly expirySweepIntervalSeconds: number;
  };
  readonly signIn: {
    readonly maxFailedAttempts: number;
    readonly lockoutMinutes: number;
    readonly signupRequireVerification: boolean;
    readonly hashConcurrency: number;
    readonly hashQueueMax: number;
    /** Highest bcrypt cost among migrated password hashes; primes the failure time floor (PasswordHasher). 0: none. */
    readonly legacyBcryptCost: number;
  };
  readonly recovery: { readonly passwordResetTtlMinutes: number; readonly emailVerificationTtlHours: number };
  /** Password policy (src/modules/credentials/password-policy.ts); the maximum length (128) is fixed. */
  readonly passwords: { readonly minLength: number };
  readonly mail: {
    readonly smtpUrl?: string;
    readonly smtpPassword?: Secret;
    readonly sender: string;
    readonly appUrl: string;
    /** Outbox worker poll interval; 0: this replica sends nothing. */
    readonly outboxPollMs: number;
    readonly maxAttempts: number;
    readonly retryBaseSeconds: number;
  };
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly ttlSeconds: number;
    readonly limit: number;
    /** IPv6 clients count per network of this prefix length (1-128; 128: per address); IPv4 per address. */
    readonly ipv6Prefix: number;
  };
  /** Shared state of the replicas (rate-limit counters); unset url: each process counts on its own. */
  readonly redis: { readonly url?: Secret; readonly keyPrefix: string; readonly timeoutMs: number };
  readonly network: { readonly trustedProxies: readonly string[]; readonly geoipDbPath?: string };
  readonly observability: {
    readonly logLevel: LogLevel;
    readonly jsonLogs: boolean;
    readonly metricsEnabled: boolean;
    readonly sentryDsn?: Secret;
    /** Sentry's environment; default NODE_ENV. */
    readonly sentryEnvironment?: string;
    /** Base URL of an OTLP/HTTP receiver; traces go to {otlpEndpoint}/v1/traces. Unset: no tracing. */
    readonly otlpEndpoint?: string;
    /** Share of new traces sampled (0 to 1); a caller's sampled flag is followed. */
    readonly traceSampleRatio: number;
  };
  readonly s3: {
    readonly url?: string;
    readonly accessKeyId?: string;
    readonly secretAccessKey?: Secret;
    readonly publicUrl?: string;
    readonly region: string;
  };
  readonly users: {
    readonly avatarMaxBytes: number;
    /** Unattended first administrator (BOOTSTRAP_ADMIN_EMAIL / BOOTSTRAP_ADMIN_PASSWORD(_FILE)), ensured at startup. */
    readonly bootstrapAdmin: { readonly email?: string; readonly password?: Secret };
  };
  readonly mfa: { readonly encryptionKeys?: Secret; readonly issuer: string };
  /** The Roblox users API (GET {apiUrl}/v1/users/{id}) and the lifetime of verification codes. */
  readonly roblox: { readonly apiUrl: string; readonly apiTimeoutMs: number; readonly codeTtlMinutes: number };
  /** Social sign-in (src/config/oauth-config.ts): providers configured by OAUTH_<PROVIDER>_* variables. */
  readonly oauth: OAuthConfig;
  readonly shutdownGraceMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Validates the environment once; throws ConfigError naming every bad variable, never a value. */
export function loadConfig(env: Env): AppConfig {
  const r = new EnvReader(env);
  const nodeEnv = r.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const production = nodeEnv === 'production';

  const jwtSecret = r.secret('JWT_SECRET_KEY');
  const jwtPrivate = r.secret('JWT_PRIVATE_KEY');
  if (jwtSecret && jwtSecret.reveal().length < 32) r.problems.push('JWT_SECRET_KEY must be at least 32 characters');
  if (production && !jwtSecret && !jwtPrivate) r.problems.push('JWT_SECRET_KEY or JWT_PRIVATE_KEY is required in production');

  const config: AppConfig = {
    nodeEnv,
    serviceName: r.str('SERVICE_NAME', 'auth-service'),
    http: {
      host: r.str('HOST', '0.0.0.0'),
      port: r.int('PORT', 8080, 0, 65535),
      corsAllowOrigins: r.list('CORS_ALLOW_ORIGINS'),
    },
    grpc: {
      host: r.str('GRPC_HOST', '0.0.0.0'),
      port: r.int('GRPC_PORT', 50051, 0, 65535),
      reflection: r.bool('GRPC_REFLECTION', !production),
    },
    db: {
      url: r.url('DB_URL', ['postgres', 'postgresql']),
      password: r.secret('DB_PASSWORD'),
      poolMin: r.int('DB_POOL_MIN', 0, 0, 100),
      poolMax: r.int('DB_POOL_MAX', 10, 1, 200),
      migrateOnStart: r.bool('DB_MIGRATE_ON_START', false),
      embedded: {
        port: r.int('EMBEDDED_DB_PORT', 15432, 1024, 32767),
        dataDir: r.str('EMBEDDED_DB_DIR', '.data/postgres'),
      },
    },
    jwt: {
      secretKey: jwtSecret,
      privateKey: jwtPrivate,
      previousPublicKeys: r.secret('JWT_PREVIOUS_PUBLIC_KEYS'),
      issuer: r.str('JWT_ISSUER', 'auth-service'),
      accessTokenTtlMinutes: r.int('ACCESS_TOKEN_TTL_MINUTES', 60, 1, 24 * 60),
    },
    sessions: {
      refreshTokenTtlDays: r.int('REFRESH_TOKEN_TTL_DAYS', 90, 1, 3650),
      refreshReuseGraceSeconds: r.int('REFRESH_REUSE_GRACE_SECONDS', 10, 0, 300),
      maxLifetimeDays: r.int('SESSION_MAX_LIFETIME_DAYS', 180, 1, 3650),
      reauthMaxAgeMinutes: r.int('REAUTH_MAX_AGE_MINUTES', 10, 1, 24 * 60),
    },
    maintenance: {
      // SESSION_CLEANUP_INTERVAL_SECONDS: the old name (it always drove every sweep), still read when the new one is unset.
      expirySweepIntervalSeconds: r.int(r.firstSet('EXPIRY_SWEEP_INTERVAL_SECONDS', 'SESSION_CLEANUP_INTERVAL_SECONDS'), 3600, 0, 86400),
    },
    signIn: {
      maxFailedAttempts: r.int('MAX_FAILED_LOGIN_ATTEMPTS', 5, 1, 1000),
      lockoutMinutes: r.int('LOCKOUT_DURATION_MINUTES', 15, 1, 7 * 24 * 60),
      signupRequireVerification: r.bool('SIGNUP_REQUIRE_VERIFICATION', false),
      hashConcurrency: r.int('HASH_CONCURRENCY', 0, 0, 64),
      hashQueueMax: r.int('HASH_QUEUE_MAX', 256, 1, 100_000),
      legacyBcryptCost: r.int('LEGACY_BCRYPT_COST', 0, 0, 20),
    },
    passwords: {
      // 8: the breached-password list (data/) holds nothing shorter; 64: ASVS V2.1.2 wants 64 characters allowed.
      minLength: r.int('PASSWORD_MIN_LENGTH', 8, 8, 64),
    },
    recovery: {
      passwordResetTtlMinutes: r.int('PASSWORD_RESET_TTL_MINUTES', 60, 1, 7 * 24 * 60),
      emailVerificationTtlHours: r.int('EMAIL_VERIFICATION_TTL_HOURS', 24, 1, 30 * 24),
    },
    mail: {
      smtpUrl: r.url('SMTP_URL', ['smtp', 'smtps']),
      smtpPassword: r.secret('SMTP_PASSWORD'),
      sender: r.str('EMAIL_SENDER', 'auth-service <no-reply@localhost>'),
      appUrl: r.url('APP_URL', ['http', 'https'], 'http://localhost:3000') ?? 'http://localhost:3000',
      outboxPollMs: r.int('MAIL_OUTBOX_POLL_MS', 1000, 0, 3_600_000),
      maxAttempts: r.int('MAIL_MAX_ATTEMPTS', 8, 1, 100),
      retryBaseSeconds: r.int('MAIL_RETRY_BASE_SECONDS', 30, 1, 86_400),
    },
    rateLimit: {
      enabled: r.bool('RATE_LIMIT_ENABLED', nodeEnv !== 'test'),
      ttlSeconds: r.int('RATE_LIMIT_TTL_SECONDS', 60, 1, 3600),
      limit: r.int('RATE_LIMIT_MAX', 30, 1, 1_000_000),
      ipv6Prefix: r.int('RATE_LIMIT_IPV6_PREFIX', 64, 1, 128),
    },
    redis: {
      url: r.secret('REDIS_URL'),
      keyPrefix: r.str('REDIS_KEY_PREFIX', 'auth-service:'),
      timeoutMs: r.int('REDIS_TIMEOUT_MS', 250, 10, 10_000),
    },
    network: {
      trustedProxies: r.list('TRUSTED_PROXIES'),
      geoipDbPath: r.str('GEOIP_DB_PATH'),
    },
    observability: {
      logLevel: r.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
      jsonLogs: r.bool('JSON_LOGS', production),
      metricsEnabled: r.bool('METRICS_ENABLED', true),
      sentryDsn: r.secret('SENTRY_DSN'),
      sentryEnvironment: r.str('SENTRY_ENVIRONMENT'),
      otlpEndpoint: r.url('OTLP_ENDPOINT', ['http', 'https']),
      traceSampleRatio: r.ratio('TRACE_SAMPLE_RATIO', 1),
    },
    s3: {
      url: r.url('S3_URL', ['http', 'https']),
      accessKeyId: r.str('S3_ACCESS_KEY_ID'),
      secretAccessKey: r.secret('S3_SECRET_ACCESS_KEY'),
      publicUrl: r.url('S3_PUBLIC_URL', ['http', 'https']),
      region: r.str('S3_REGION', 'us-east-1'),
    },
    users: {
      avatarMaxBytes: r.int('AVATAR_MAX_BYTES', 5 * 1024 * 1024, 1, 100 * 1024 * 1024),
      bootstrapAdmin: { email: r.str('BOOTSTRAP_ADMIN_EMAIL'), password: r.secret('BOOTSTRAP_ADMIN_PASSWORD') },
    },
    mfa: { encryptionKeys: r.secret('MFA_ENCRYPTION_KEY'), issuer: r.str('TOTP_ISSUER', 'auth-service') },
    roblox: {
      apiUrl: r.url('ROBLOX_API_URL', ['http', 'https'], 'https://users.roblox.com') ?? 'https://users.roblox.com',
      apiTimeoutMs: r.int('ROBLOX_API_TIMEOUT_MS', 5000, 100, 60_000),
      codeTtlMinutes: r.int('ROBLOX_CODE_TTL_MINUTES', 60, 1, 7 * 24 * 60),
    },
    oauth: readOAuthConfig(r, production),
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 10_000, 0, 120_000),
  };
  if (config.db.poolMin > config.db.poolMax) r.problems.push('DB_POOL_MIN must not exceed DB_POOL_MAX');
  if (config.s3.url && !/^\/[^/]+/.test(new URL(config.s3.url).pathname)) r.problems.push('S3_URL must name the bucket: https://host[:port]/bucket/');
  const adminEmail = config.users.bootstrapAdmin.email;
  if (adminEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(adminEmail)) r.problems.push('BOOTSTRAP_ADMIN_EMAIL must be an email address');
  if (config.mail.smtpUrl) {
    try {
      parseSmtpUrl(config.mail.smtpUrl);
    } catch (e) {
      r.problems.push(`SMTP_URL ${(e as Error).message}`);
    }
  }
  if (config.redis.url) {
    const problem = redisUrlProblem(config.redis.url.reveal());
    if (problem) r.problems.push(`REDIS_URL ${problem}`);
  }
  const mfaKeyProblem = config.mfa.encryptionKeys ? mfaKeysProblem(config.mfa.encryptionKeys.reveal()) : null;
  if (mfaKeyProblem) r.problems.push(mfaKeyProblem);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze(config);
}
