import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';

/**
 * The metrics operators chart besides rpc_*: what sign-ins end in, lockouts, stolen
 * refresh tokens caught, the password-hash queue and the mail outbox. Defined here, in
 * the global observability module, so each module injects the ones it feeds
 * (@InjectMetric(NAME)); helm/auth-service/dashboards charts them.
 */
export const AUTH_SIGN_IN_OUTCOMES = 'auth_sign_in_outcomes_total';
export const AUTH_LOCKOUTS = 'auth_lockouts_total';
export const AUTH_REFRESH_TOKEN_REUSE = 'auth_refresh_token_reuse_detected_total';
export const PASSWORD_HASH_QUEUE_DEPTH = 'password_hash_queue_depth';
export const PASSWORD_HASH_QUEUE_WAIT = 'password_hash_queue_wait_seconds';
export const MAIL_OUTBOX_BACKLOG = 'mail_outbox_backlog';
export const MAIL_OUTBOX_OLDEST_AGE = 'mail_outbox_oldest_age_seconds';

export const OPERATOR_METRIC_PROVIDERS = [
  makeCounterProvider({
    name: AUTH_SIGN_IN_OUTCOMES,
    help: 'AuthResponse answers (Authenticate, SignUp, VerifyMfa, ConfirmVerification, Roblox sign-in/up) by outcome',
    labelNames: ['outcome'],
  }),
  makeCounterProvider({ name: AUTH_LOCKOUTS, help: 'Lockouts imposed (an identifier or account reached MAX_FAILED_LOGIN_ATTEMPTS)' }),
  makeCounterProvider({
    name: AUTH_REFRESH_TOKEN_REUSE,
    help: 'Retired refresh tokens presented after their grace window (a copied token chain): the session was revoked',
  }),
  makeGaugeProvider({ name: PASSWORD_HASH_QUEUE_DEPTH, help: 'Password hash operations by state (running, waiting)', labelNames: ['state'] }),
  makeHistogramProvider({
    name: PASSWORD_HASH_QUEUE_WAIT,
    help: 'Time a password hash operation waited for a hashing slot, in seconds',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
  makeGaugeProvider({ name: MAIL_OUTBOX_BACKLOG, help: 'Mails waiting in the outbox (pending: not yet sent, not failed)' }),
  makeGaugeProvider({ name: MAIL_OUTBOX_OLDEST_AGE, help: 'Age in seconds of the oldest mail still waiting in the outbox (0 when none)' }),
];

export const OPERATOR_METRIC_NAMES = [
  AUTH_SIGN_IN_OUTCOMES, AUTH_LOCKOUTS, AUTH_REFRESH_TOKEN_REUSE, PASSWORD_HASH_QUEUE_DEPTH, PASSWORD_HASH_QUEUE_WAIT,
  MAIL_OUTBOX_BACKLOG, MAIL_OUTBOX_OLDEST_AGE,
];
