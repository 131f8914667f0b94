// The service as it was before a change, built next to this checkout: a detached git
// worktree (sharing this checkout's node_modules) with its own dist/, for A/B benchmarks.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './server.mjs';

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/** The commit before the first one that added `file`: the code just before that feature. */
export function commitBefore(file) {
  const added = git('log', '--diff-filter=A', '--format=%H', '--', file).split('\n').filter(Boolean).at(-1);
  if (!added) throw new Error(`no commit adds ${file}`);
  return git('rev-parse', `${added}^`);
}

/** Checks out and builds `ref`; returns its root (dist/main.js inside) and a cleanup. */
export function buildBaseline(ref) {
  const dir = mkdtempSync(path.join(tmpdir(), 'auth-bench-baseline-'));
  git('worktree', 'add', '--detach', dir, ref);
  try {
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    execFileSync(path.join(ROOT, 'node_modules/.bin/nest'), ['build'], { cwd: dir, stdio: 'ignore' });
    if (!existsSync(path.join(dir, 'dist/main.js'))) throw new Error(`the build of ${ref} has no dist/main.js`);
  } catch (e) {
    git('worktree', 'remove', '--force', dir);
    throw e;
  }
  return {
    root: dir,
    ref: git('rev-parse', '--short', ref),
    remove() {
      git('worktree', 'remove', '--force', dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
