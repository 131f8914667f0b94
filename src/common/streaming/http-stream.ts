import { Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toErrorView } from '../errors/error-view';
import { toRestErrorBody } from '../errors/rest-error-body';

const logger = new Logger('Streaming');

export type StreamFormat = 'sse' | 'ndjson';

/** SSE unless the client asks for newline-delimited JSON. */
export function streamFormatOf(accept: string | undefined): StreamFormat {
  return accept && /application\/(x-)?ndjson/i.test(accept) ? 'ndjson' : 'sse';
}

export interface HttpStreamOptions<T> {
  readonly format: StreamFormat;
  /** The SSE `id:` of an item (what `Last-Event-ID` resumes after). */
  readonly idOf: (item: T) => string;
  readonly present: (item: T) => unknown;
  readonly label: string;
  /** A resumed SSE stream with nothing left answers 204, which tells EventSource to stop reconnecting. */
  readonly resumed?: boolean;
}

/**
 * A server-streaming method over HTTP: Server-Sent Events (`id:` + `data:` per
 * item, errors as `event: error`) or NDJSON (errors as a last `{"error": ...}`
 * line). The first item is read before anything is sent, so a failure up front
 * (bad filter, bad token) is a normal JSON error with its status. Each write
 * respects back-pressure: when the socket buffer is full it waits for 'drain'
 * before pulling the next item, so the source's database reads follow the
 * client's pace; a client that disconnects stops the pulling.
 */
export async function streamToHttp<T>(reply: FastifyReply, source: AsyncIterable<T>, options: HttpStreamOptions<T>): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let next = await iterator.next();
  const res = reply.raw;
  if (next.done && options.resumed && options.format === 'sse') {
    reply.status(204).send();
    return;
  }

  let gone = false;
  const onClose = () => {
    if (!res.writableFinished) gone = true;
  };
  res.on('close', onClose);
  reply.hijack();
  res.writeHead(200, {
    ...(reply.getHeaders() as Record<string, string>),
    'content-type': options.format === 'sse' ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'cache-control': 'no-cache, no-store',
    'x-accel-buffering': 'no',
  });
  // Headers now, before the first item: the client knows at once the stream has started.
  res.flushHeaders();

  let sent = 0;
  try {
    while (!next.done && !gone) {
      const item = next.value;
      const json = JSON.stringify(options.present(item));
      const chunk = options.format === 'sse' ? `id: ${options.idOf(item)}\ndata: ${json}\n\n` : `${json}\n`;
      sent += 1;
      if (!res.write(chunk)) await drainOrClose(res);
      if (gone) break;
      next = await iterator.next();
    }
  } catch (e) {
    const view = toErrorView(e);
    if (view.unexpected) {
      logger.error({ err: { type: (e as Error)?.name, message: (e as Error)?.message, stack: (e as Error)?.stack } }, `${options.label} stream failed`);
    }
    const body = JSON.stringify(toRestErrorBody(view));
    if (!gone) res.write(options.format === 'sse' ? `event: error\ndata: ${body}\n\n` : `${body}\n`);
  } finally {
    res.off('close', onClose);
    await iterator.return?.(undefined)?.catch(() => undefined);
  }
  if (gone) {
    logger.log({ sent }, `${options.label} stream stopped: the client went away`);
    return;
  }
  res.end();
}

function drainOrClose(res: NodeJS.WritableStream & { destroyed?: boolean }): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      res.off('error', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
    res.on('error', done);
  });
}
