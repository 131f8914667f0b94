import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { BEARER_SCHEME, finishOpenApiDocument } from './common/openapi/finish-document';
import { readProtoRestRoutes } from './common/openapi/proto-rest-routes';
import { routeHandlers } from './common/openapi/route-handlers';
import { loadConfig } from './config/app-config';
import { PROTO_DIR } from './paths';
import { SERVICE_VERSION } from './version';

/** OpenAPI 3.1 generated from the REST controllers, at /api-docs/openapi.{json,yaml}, UI at /swagger-ui. */
export function setupOpenApi(app: NestFastifyApplication): void {
  // Built on the first request for the docs, not at startup: an idle service never holds it.
  SwaggerModule.setup('swagger-ui', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api-docs/openapi.json',
    yamlDocumentUrl: 'api-docs/openapi.yaml',
  });
}

/** The document the service serves: @nestjs/swagger's, completed by finishOpenApiDocument. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const generated = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('auth-service')
      .setDescription(
        'Authentication and accounts. Every operation is also served over gRPC (auth.v1/users.v1 and v2); operation ids name the RPC. ' +
          'Every error answer is an ErrorResponse: `{"error": {"code", "status", "message", "details"}}`.',
      )
      .setVersion(SERVICE_VERSION)
      .setOpenAPIVersion('3.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from Authenticate, SignUp, VerifyMfa or RefreshTokens' }, BEARER_SCHEME)
      .build(),
  );
  return finishOpenApiDocument(generated, routeHandlers(app), readProtoRestRoutes(PROTO_DIR));
}

/**
 * The same document without a database, a listener or any provider running (Nest's
 * preview mode reads the module graph and class metadata only): for CI's lint and
 * for `scripts/lint-openapi.mjs`. Routes do not depend on configuration, so a
 * placeholder one is enough.
 */
export async function buildOpenApiDocumentOffline(): Promise<OpenAPIObject> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DB_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    JWT_SECRET_KEY: 'openapi-document-offline-placeholder-secret',
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, database: { url: config.db.url!, migrate: false } }),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
