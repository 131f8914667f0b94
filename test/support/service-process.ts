import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { APP_ROOT } from '../../src/paths';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** When it exited (epoch ms). */
  readonly at: number;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Lines the process wrote to stdout / stderr so far. */
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<Exit>;
  readonly running: boolean;
  /** Sends SIGTERM, then SIGKILL to its whole process group if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
}

export const SERVICE_ENTRY = path.join(APP_ROOT, 'dist', 'main.js');
const NODE = path.join(APP_ROOT, 'node_modules', '.bin', 'node');

export function isBuilt(): boolean {
  return existsSync(SERVICE_ENTRY);
}

function lineCollector(into: string[]): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    into.push(...parts.filter((l) => l.length > 0));
  };
}

/**
 * Runs the built service (`node dist/main.js`) as a real process, with only the
 * given environment (plus PATH and HOME): nothing of the test runner's env leaks in.
 * It leads its own process group, so a forced stop also takes down anything it
 * spawned (the embedded PostgreSQL).
 */
export function spawnService(env: Record<string, string>): ServiceProcess {
  const child = spawn(NODE, [SERVICE_ENTRY], {
    cwd: APP_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.on('data', lineCollector(stdout));
  child.stderr!.on('data', lineCollector(stderr));
  let running = true;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal, at: Date.now() });
    });
    child.once('error', () => {
      running = false;
      resolve({ code: null, signal: null, at: Date.now() });
    });
  });

  return {
    child,
    stdout,
    stderr,
    exited,
    get running() {
      return running;
    },
    async stop(graceMs = 15_000) {
      if (running) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running && child.pid) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }, graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** Lines of the process's stdout that parse as JSON objects, and the ones that do not. */
export function parseJsonLines(lines: readonly string[]): { json: Record<string, unknown>[]; other: string[] } {
  const json: Record<string, unknown>[] = [];
  const other: string[] = [];
  for (const line of lines) {
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === 'object' && !Array.isArray(v)) json.push(v as Record<string, unknown>);
      else other.push(line);
    } catch {
      other.push(line);
    }
  }
  return { json, other };
}
