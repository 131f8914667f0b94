import { Injectable, ValidationPipe, type ArgumentMetadata, type Type, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { DomainError, type FieldViolation } from '../errors/domain-error';
import { malformedReason } from '../grpc/malformed-request';

/** Flattens class-validator's tree into field paths such as `clientInfo.deviceId`. */
export function toViolations(errors: ValidationError[], prefix = ''): FieldViolation[] {
  const out: FieldViolation[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    for (const description of Object.values(e.constraints ?? {})) out.push({ field, description });
    if (e.children?.length) out.push(...toViolations(e.children, field));
  }
  return out;
}

/**
 * The one validation pipe of both transports: DTO rules turn into
 * INVALID_ARGUMENT / 400 with a field violation per broken rule. Unknown JSON
 * properties are dropped (proto3 ignores unknown fields too); types are never
 * coerced, so `"identifier": 5` is an error rather than "5".
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidUnknownValues: false,
      // One violation per field: the first broken rule, not every rule that follows from it.
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors: ValidationError[]) => DomainError.validation(toViolations(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const malformed = malformedReason(value);
    if (malformed !== undefined) {
      throw DomainError.validation([{ field: '(request)', description: `the message could not be decoded: ${malformed}` }]);
    }
    if (metadata.type === 'body' && (value === undefined || value === null) && metadata.metatype && this.toValidate(metadata)) {
      value = {};
    }
    if (metadata.type === 'body' && value !== null && (typeof value !== 'object' || Array.isArray(value)) && metadata.metatype && this.toValidate(metadata)) {
      throw DomainError.validation([{ field: '(body)', description: 'the request body must be a JSON object' }]);
    }
    if (metadata.metatype && this.toValidate(metadata) && hasNoRules(metadata.metatype)) {
      // A message without fields (EmptyRequestDto): whitelisting would strip every
      // property, so the result is known without running class-transformer and
      // class-validator on each call of ValidateCredentials and the like.
      return Object.create(metadata.metatype.prototype as object) as unknown;
    }
    // Only request messages (DTO classes), never the gRPC call or metadata objects beside them.
    const tooDeep = metadata.metatype && this.toValidate(metadata) ? deepestPathBeyond(value, MAX_NESTING) : null;
    if (tooDeep !== null) {
      throw DomainError.validation([{ field: tooDeep, description: `is nested more than ${MAX_NESTING} levels deep` }]);
    }
    return super.transform(value, metadata);
  }
}

/**
 * No message of the contract nests anywhere near this deep; class-transformer and
 * class-validator recurse, so a JSON body nested thousands of levels (a few KB) would
 * overflow the stack and answer 500. Checked without recursion before them.
 */
export const MAX_NESTING = 32;

/** The field path at which `value` first nests deeper than `max` levels, or null. */
export function deepestPathBeyond(value: unknown, max: number): string | null {
  const stack: { node: unknown; depth: number; path: string }[] = [{ node: value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop()!;
    if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) continue;
    if (depth >= max) return path || '(body)';
    for (const [key, child] of Object.entries(node)) {
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1, path: path ? `${path}.${key}` : key });
    }
  }
  return null;
}

const ruleless = new WeakMap<Type<unknown>, boolean>();

function hasNoRules(metatype: Type<unknown>): boolean {
  let none = ruleless.get(metatype);
  if (none === undefined) {
    none = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false).length === 0;
    ruleless.set(metatype, none);
  }
  return none;
}
