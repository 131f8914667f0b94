import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { APP_ROOT } from './paths';

export const SERVICE_VERSION: string = (
  JSON.parse(readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
