import { RequestMethod, type INestApplicationContext, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';

/** A REST handler and the route it serves, in OpenAPI form (`/v1/users/{userId}`). */
export interface RouteHandler {
  readonly method: string;
  readonly path: string;
  readonly controller: Type;
  readonly handler: Function;
  readonly handlerName: string;
}

/**
 * Every HTTP route of the application's controllers with the handler that serves it,
 * read from Nest's route metadata. The document is keyed by method and path; this is
 * how an operation finds its handler's metadata (@Public, @RateLimited, permissions).
 * Works in preview mode too: only class metadata is read, nothing is instantiated.
 */
export function routeHandlers(app: INestApplicationContext): Map<string, RouteHandler> {
  const routes = new Map<string, RouteHandler>();
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | undefined;
      if (!controller?.prototype) continue;
      const prefixes = asArray<string>(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const handlerName of methodNames(controller.prototype)) {
        const handler = controller.prototype[handlerName] as Function;
        const verb = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const routePaths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (verb === undefined || routePaths === undefined) continue;
        for (const prefix of prefixes) {
          for (const routePath of asArray(routePaths)) {
            const method = RequestMethod[verb].toLowerCase();
            const path = openApiPath(prefix, routePath);
            routes.set(routeKey(method, path), { method, path, controller, handler, handlerName });
          }
        }
      }
    }
  }
  return routes;
}

export function routeKey(method: string, path: string): string {
  return `${method.toLowerCase()} ${path}`;
}

function methodNames(prototype: object): string[] {
  const names = new Set<string>();
  for (let p: object | null = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(p, name)?.value === 'function') names.add(name);
    }
  }
  return [...names];
}

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** `v1/users` + `:userId/password` -> `/v1/users/{userId}/password` */
function openApiPath(prefix: string, routePath: string): string {
  const joined = `/${prefix}/${routePath}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  return joined.replace(/:(\w+)(\([^)]*\))?/g, '{$1}');
}
