/**
 * A small structural check of a JSON value against an OpenAPI 3.1 schema
 * (types, required properties, enums, $ref, arrays, nested objects). It returns
 * every mismatch as a path, so a test can show what the document got wrong.
 */
type Schema = Record<string, any>;

export function checkAgainstSchema(doc: Schema, schema: Schema, value: unknown, path = '$'): string[] {
  if (schema.$ref) return checkAgainstSchema(doc, resolveRef(doc, schema.$ref), value, path);
  if (schema.allOf) return schema.allOf.flatMap((s: Schema) => checkAgainstSchema(doc, s, value, path));
  if (schema.oneOf || schema.anyOf) {
    const options: Schema[] = schema.oneOf ?? schema.anyOf;
    return options.some((s) => checkAgainstSchema(doc, s, value, path).length === 0) ? [] : [`${path}: matches none of the alternatives`];
  }
  const errors: string[] = [];
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length && !types.some((t) => isType(value, t))) return [`${path}: expected ${types.join('|')}, got ${JSON.stringify(value)}`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (schema.format === 'date-time' && typeof value === 'string' && Number.isNaN(Date.parse(value))) errors.push(`${path}: not a date-time`);
  if (schema.format === 'uuid' && typeof value === 'string' && !/^[0-9a-f-]{36}$/i.test(value)) errors.push(`${path}: not a uuid`);
  if (isType(value, 'object') && (schema.properties || schema.type === 'object')) {
    const obj = value as Record<string, unknown>;
    for (const req of schema.required ?? []) if (!(req in obj)) errors.push(`${path}.${req}: required but missing`);
    for (const [key, v] of Object.entries(obj)) {
      const prop = schema.properties?.[key];
      if (prop) errors.push(...checkAgainstSchema(doc, prop, v, `${path}.${key}`));
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        errors.push(...checkAgainstSchema(doc, schema.additionalProperties, v, `${path}.${key}`));
      } else if (schema.additionalProperties !== true && schema.properties) errors.push(`${path}.${key}: not documented`);
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...checkAgainstSchema(doc, schema.items, item, `${path}[${i}]`)));
  return errors;
}

function resolveRef(doc: Schema, ref: string): Schema {
  return ref.replace(/^#\//, '').split('/').reduce((node: any, key) => node?.[key], doc) as Schema;
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    default: return true;
  }
}

/** The JSON schema of one response of one operation. */
export function responseSchema(doc: Schema, method: string, path: string, status: number): Schema {
  const op = doc.paths?.[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${path} in the document`);
  const schema = op.responses?.[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no ${status} JSON response documented for ${method} ${path}`);
  return schema;
}
