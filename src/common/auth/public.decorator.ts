import { applyDecorators, SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';

/**
 * Marks one handler as callable without an access token. Public methods are
 * an exact list (API.md): the guard reads this flag from the handler itself,
 * never from a path pattern.
 */
export const Public = (): MethodDecorator => SetMetadata(IS_PUBLIC, true);

export const ACCEPTS_CALLER = 'auth:accepts-caller';

/**
 * A public handler that also takes an access token when one is sent: the guard then
 * checks it like on any other method (a bad or revoked token is refused, not ignored)
 * and @CurrentPrincipal() is the caller; without a token it is undefined. For
 * GetOAuthUrl: a flow started by a signed-in user can link to that user only.
 */
export const PublicAcceptingCaller = (): MethodDecorator => applyDecorators(Public(), SetMetadata(ACCEPTS_CALLER, true));
