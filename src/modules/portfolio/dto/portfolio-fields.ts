import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateBy } from 'class-validator';

/**
 * Field rules of portfolio messages, shared by both transports. Optional fields
 * accept '' (clear the field); PostgreSQL cannot store NUL, and one-line fields
 * take no control characters at all.
 */

const CONTROL = /\p{Cc}/u;
/** Control characters other than tab and line breaks. */
const CONTROL_BUT_LINES = /[^\P{Cc}\t\n\r]/u;

function NoControlChars(multiline: boolean): PropertyDecorator {
  return ValidateBy({
    name: multiline ? 'text' : 'oneLine',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !(multiline ? CONTROL_BUT_LINES : CONTROL).test(value),
      defaultMessage: () => (multiline ? '$property must not contain control characters other than tabs and line breaks' : '$property must be a single line without control characters'),
    },
  });
}

/** A one-line or multi-line text of at most `max` characters; required means non-blank. */
export function TextField(max: number, options: { required?: boolean; multiline?: boolean; description?: string } = {}): PropertyDecorator {
  const doc = { type: String, maxLength: max, description: options.description };
  return applyDecorators(
    options.required ? ApiProperty(doc) : ApiPropertyOptional(doc),
    options.required ? IsDefined({ message: '$property is required' }) : IsOptional(),
    IsString(),
    ...(options.required ? [IsNotEmpty(), Matches(/\S/, { message: '$property must not be blank' })] : []),
    MaxLength(max),
    NoControlChars(options.multiline === true),
  );
}

/** Optional string matching `pattern` (or ''). */
export function PatternField(pattern: RegExp, max: number, message: string, example?: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, maxLength: max, pattern: pattern.source, example, description: message }),
    IsOptional(),
    IsString(),
    MaxLength(max),
    ValidateBy({
      name: 'pattern',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (value === '' || pattern.test(value)),
        defaultMessage: () => `$property must be ${message}`,
      },
    }),
  );
}

export const HANDLE_PATTERNS = {
  twitter: /^@?[A-Za-z0-9_]{1,15}$/,
  instagram: /^@?(?!\.)(?!.*\.\.)[A-Za-z0-9._]{1,30}(?<!\.)$/,
  facebook: /^[A-Za-z0-9.]{5,50}$/,
  youtube: /^@?[A-Za-z0-9._-]{3,30}$/,
  github: /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/,
} as const;

export const HANDLE_RULES: Record<keyof typeof HANDLE_PATTERNS, string> = {
  twitter: 'an X (Twitter) handle: 1-15 letters, digits or underscores, optionally after @',
  instagram: 'an Instagram handle: 1-30 letters, digits, periods or underscores (no leading, trailing or double period), optionally after @',
  facebook: 'a Facebook username: 5-50 letters, digits or periods',
  youtube: 'a YouTube handle: 3-30 letters, digits, periods, hyphens or underscores, optionally after @',
  github: 'a GitHub username: 1-39 letters, digits or single hyphens, not at either end',
};

export const THEME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** An https URL without credentials. */
export function HttpsUrlField(max: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, format: 'uri', maxLength: max, example: 'https://example.com/portfolio' }),
    IsOptional(),
    IsString(),
    MaxLength(max),
    ValidateBy({
      name: 'httpsUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (value === '' || isHttpsUrl(value)),
        defaultMessage: () => '$property must be an https URL such as https://example.com (no user name or password)',
      },
    }),
  );
}

function isHttpsUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname.length > 0 && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** An email address (the same rule as sign-up's), at most 254 characters. */
export function EmailField(): PropertyDecorator {
  return PatternField(/^[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\.[^@\s\p{Cc}]+$/u, 254, 'an email address', 'contact@example.com');
}

/** ISO 3166-1 alpha-2: the 249 officially assigned codes. */
const ISO_3166_ALPHA2 = new Set(
  ('AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD ' +
    'CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF ' +
    'GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN ' +
    'KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ' +
    'NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI ' +
    'SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI ' +
    'VN VU WF WS YE YT ZA ZM ZW').split(' '),
);

export function isCountryCode(value: string): boolean {
  return ISO_3166_ALPHA2.has(value.toUpperCase());
}

/** An ISO 3166-1 alpha-2 country code in either case (stored upper-case), or ''. */
export function CountryCodeField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, example: 'DE', maxLength: 2 }),
    IsOptional(),
    IsString(),
    ValidateBy({
      name: 'countryCode',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (value === '' || isCountryCode(value)),
        defaultMessage: () => '$property must be an ISO 3166-1 alpha-2 country code such as DE or US',
      },
    }),
  );
}

/** An ISO 8601 calendar date YYYY-MM-DD (years 1900-2999) that exists. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1900 || year > 2999) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

export function DateField(options: { required?: boolean; description?: string } = {}): PropertyDecorator {
  const doc = { type: String, format: 'date', example: '2024-03-01', description: options.description };
  return applyDecorators(
    options.required ? ApiProperty(doc) : ApiPropertyOptional(doc),
    options.required ? IsDefined({ message: '$property is required' }) : IsOptional(),
    IsString(),
    ValidateBy({
      name: 'calendarDate',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && ((!options.required && value === '') || isCalendarDate(value)),
        defaultMessage: () => '$property must be a date YYYY-MM-DD (years 1900-2999)',
      },
    }),
  );
}
