import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SERVICE_VERSION } from './version';

/** OpenAPI 3.1 generated from the REST controllers, at /api-docs/openapi.{json,yaml}, UI at /swagger-ui. */
export function setupOpenApi(app: NestFastifyApplication): void {
  // Built on the first request for the docs, not at startup: an idle service never holds it.
  const document = () => SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('auth-service')
      .setDescription('Authentication and accounts. Every operation is also served over gRPC (auth.v1/users.v1 and v2).')
      .setVersion(SERVICE_VERSION)
      .setOpenAPIVersion('3.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('swagger-ui', app, document, {
    jsonDocumentUrl: 'api-docs/openapi.json',
    yamlDocumentUrl: 'api-docs/openapi.yaml',
  });
}
