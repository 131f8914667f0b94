import type * as OpenIdClient from 'openid-client';

export type OpenIdClientModule = typeof OpenIdClient;

let loading: Promise<OpenIdClientModule> | undefined;

/**
 * openid-client, loaded at first use: with its dependencies (oauth4webapi, jose) it costs
 * about 15 MB of RSS, which only deployments that configure a provider should pay. ESM-only,
 * it is loaded with import(), which the CommonJS build keeps as a real dynamic import.
 */
export function loadOpenIdClient(): Promise<OpenIdClientModule> {
  loading ??= import('openid-client');
  return loading;
}
