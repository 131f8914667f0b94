import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested, ValidateBy,
  buildMessage, type ValidationOptions,
} from 'class-validator';

/**
 * Field decorators shared by the DTOs of both transports. gRPC fills absent
 * strings with '' (proto3 defaults), REST leaves them undefined: "required"
 * therefore means non-empty, and optional strings accept ''.
 */

/** PostgreSQL cannot store NUL in text or JSONB: refused here, as a field error, not a 500 later. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const NO_NUL = /^[^\u0000]*$/;
const noNul = () => Matches(NO_NUL, { message: '$property must not contain NUL characters' });

export function RequiredString(max: number, description?: string): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: String, maxLength: max, description }),
    IsDefined(),
    IsString(),
    IsNotEmpty(),
    MaxLength(max),
    noNul(),
  );
}

export function OptionalString(max: number, description?: string): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ type: String, maxLength: max, description }), IsOptional(), IsString(), MaxLength(max), noNul());
}

/** A proto enum: its value name, or (JSON only) its number, normalised to the name. */
export function ProtoEnum(names: readonly string[], options: { required?: boolean; description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    options.required
      ? ApiProperty({ enum: names, description: options.description })
      : ApiPropertyOptional({ enum: names, description: options.description }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'number' && Number.isInteger(value) && names[value] ? names[value] : value)),
    options.required ? IsDefined() : IsOptional(),
    IsIn(names, { message: `$property must be one of ${names.join(', ')}` }),
  );
}

/** core.v1.UUID: accepted as a string or `{ "value": "..." }`; normalised to the string. */
export function UuidField(options: { required?: boolean; description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    options.required
      ? ApiProperty({ type: String, format: 'uuid', description: options.description })
      : ApiPropertyOptional({ type: String, format: 'uuid', description: options.description }),
    Transform(({ value }: { value: unknown }) => {
      if (value !== null && typeof value === 'object' && 'value' in value) value = (value as { value: unknown }).value;
      return value === '' ? undefined : value;
    }),
    options.required ? IsDefined({ message: '$property is required' }) : IsOptional(),
    IsUUID('all', { message: '$property must be a UUID' }),
  );
}

export function NestedMessage(type: () => new () => object, options: { required?: boolean } = {}): PropertyDecorator {
  // @nestjs/swagger recognises a lazy type only by the thunk's name being `type`; the
  // caller's anonymous arrow would be taken for a class named '' ($ref `#/components/schemas/`).
  const lazy = { type: () => type() };
  return applyDecorators(
    options.required ? ApiProperty(lazy) : ApiPropertyOptional(lazy),
    options.required ? IsDefined({ message: '$property is required' }) : IsOptional(),
    ValidateNested(),
    Type(type),
  );
}

/** map<string,string> with bounds on entries, key and value length. */
export function StringMap(maxEntries: number, maxKey: number, maxValue: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }),
    IsOptional(),
    IsObject(),
    ValidateBy(
      {
        name: 'stringMap',
        validator: {
          validate: (value: unknown) =>
            value !== null &&
            typeof value === 'object' &&
            !Array.isArray(value) &&
            Object.keys(value).length <= maxEntries &&
            Object.entries(value).every(([k, v]) => k.length <= maxKey && typeof v === 'string' && v.length <= maxValue && NO_NUL.test(k) && NO_NUL.test(v)),
          defaultMessage: buildMessage(
            (each) => `${each}$property must map at most ${maxEntries} keys (up to ${maxKey} characters, no NUL) to strings (up to ${maxValue} characters, no NUL)`,
          ),
        },
      },
      {} as ValidationOptions,
    ),
  );
}

/** An IANA time zone name known to this runtime. */
export function TimeZoneField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, example: 'Europe/Berlin', maxLength: 64 }),
    IsOptional(),
    IsString(),
    MaxLength(64),
    ValidateBy({
      name: 'timeZone',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (value === '' || isTimeZone(value)),
        defaultMessage: () => '$property must be an IANA time zone such as Europe/Berlin',
      },
    }),
  );
}

/** A BCP 47 language tag such as `en` or `pt-BR`. */
export function LocaleField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, example: 'en', maxLength: 35 }),
    IsOptional(),
    IsString(),
    MaxLength(35),
    ValidateBy({
      name: 'locale',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (value === '' || /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(value)),
        defaultMessage: () => '$property must be a language tag such as en or pt-BR',
      },
    }),
  );
}

const zones = new Set(Intl.supportedValuesOf('timeZone'));
function isTimeZone(value: string): boolean {
  if (zones.has(value) || value === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
