import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:public';

/**
 * Marks one handler as callable without an access token. Public methods are
 * an exact list (API.md): the guard reads this flag from the handler itself,
 * never from a path pattern.
 */
export const Public = (): MethodDecorator => SetMetadata(IS_PUBLIC, true);
