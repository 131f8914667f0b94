import type { OAuthFlow } from './oauth.model';

/** The port of oauth_flows; PgOAuthFlowsRepository is its only writer. */
export abstract class OAuthFlowsRepository {
  abstract save(stateHash: Buffer, flow: OAuthFlow, now: Date): Promise<void>;
  /**
   * Deletes and returns the live flow of `stateHash` in one statement: of requests
   * racing with one state exactly one gets it. With `userId`, only a link flow that
   * user started matches (anyone else's attempt leaves it in place).
   */
  abstract consume(stateHash: Buffer, now: Date, userId?: string): Promise<OAuthFlow | null>;
  abstract deleteExpired(now: Date, batch: number): Promise<number>;
}
