import { Injectable } from '@nestjs/common';
import { Db } from '../../database/db';
import type { OAuthProviderName } from '../../config/oauth-config';
import type { OAuthFlow } from './oauth.model';
import { OAuthFlowsRepository } from './oauth-flows.repository';

/** Expired flows deleted per new flow: outpaces creation between sweeps, stays cheap. */
const CLEANUP_BATCH = 100;

interface FlowRow {
  provider: OAuthProviderName;
  redirect_uri: string;
  code_verifier: string;
  nonce: string | null;
  state_data: string;
  user_id: string | null;
  expires_at: Date;
}

@Injectable()
export class PgOAuthFlowsRepository extends OAuthFlowsRepository {
  constructor(private readonly db: Db) {
    super();
  }

  async save(stateHash: Buffer, flow: OAuthFlow, now: Date): Promise<void> {
    await this.db.execute(
      `INSERT INTO oauth_flows (state_hash, provider, redirect_uri, code_verifier, nonce, state_data, user_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [stateHash, flow.provider, flow.redirectUri, flow.codeVerifier, flow.nonce, flow.stateData, flow.userId, now, flow.expiresAt],
    );
    // GetOAuthUrl is public: abandoned flows must not pile up until the next sweep.
    await this.deleteExpired(now, CLEANUP_BATCH);
  }

  async consume(stateHash: Buffer, now: Date, userId?: string): Promise<OAuthFlow | null> {
    const rows = await this.db.query<FlowRow>(
      `DELETE FROM oauth_flows WHERE state_hash = $1 AND expires_at > $2 AND ($3::uuid IS NULL OR user_id = $3::uuid)
       RETURNING provider, redirect_uri, code_verifier, nonce, state_data, user_id, expires_at`,
      [stateHash, now, userId ?? null],
    );
    const r = rows[0];
    return r
      ? { provider: r.provider, redirectUri: r.redirect_uri, codeVerifier: r.code_verifier, nonce: r.nonce, stateData: r.state_data, userId: r.user_id, expiresAt: r.expires_at }
      : null;
  }

  async deleteExpired(now: Date, batch: number): Promise<number> {
    return this.db.execute(
      'DELETE FROM oauth_flows WHERE state_hash IN (SELECT state_hash FROM oauth_flows WHERE expires_at <= $1 LIMIT $2)',
      [now, batch],
    );
  }
}
