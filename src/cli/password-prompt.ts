/** Thrown when the person at the terminal gives up (Ctrl-C, Ctrl-D) or the passwords differ. */
export class PromptError extends Error {}

/**
 * A password from a terminal (asked twice, never echoed) or, when stdin is not a
 * terminal, its first line (for scripts: `echo "$PW" | npm run cli -- ...`).
 */
export async function readPassword(prompt: string, confirmPrompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const line = (await readAll(stdin)).split(/\r?\n/)[0] ?? '';
    if (!line) throw new PromptError('no password on standard input');
    return line;
  }
  const first = await readHidden(prompt);
  const second = await readHidden(confirmPrompt);
  if (first !== second) throw new PromptError('the passwords do not match');
  if (!first) throw new PromptError('no password given');
  return first;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads one line in raw mode, echoing nothing. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new PromptError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
