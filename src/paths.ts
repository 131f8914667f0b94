import * as path from 'node:path';

/** The project root, the same from src/ (tests) and dist/ (production). */
export const APP_ROOT = path.resolve(__dirname, '..');
export const PROTO_DIR = path.join(APP_ROOT, 'proto');
export const MIGRATIONS_DIR = path.join(APP_ROOT, 'migrations');
