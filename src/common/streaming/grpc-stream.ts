import { Logger } from '@nestjs/common';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';

const logger = new Logger('Streaming');

type WritableCall = Pick<ServerWritableStream<unknown, unknown>, 'cancelled' | 'writableNeedDrain' | 'once' | 'off'>;

/**
 * A server-streaming gRPC answer with back-pressure. Nest writes each emitted
 * value to the call at once and buffers whatever the call refuses, without
 * telling the source (server-grpc.js writeObservableToGrpc); so this emits one
 * item, and while the call's buffer is full waits for 'drain' before pulling the
 * next one from `source`. A slow client therefore holds back the database reads
 * (the source queries its next batch only when pulled), and a cancelled call
 * (client gone, deadline) stops pulling: no further queries run.
 */
export function streamToGrpc<T, R>(call: WritableCall, source: AsyncIterable<T>, present: (item: T) => R, label: string): Observable<R> {
  return new Observable<R>((subscriber) => {
    let stopped = false;
    let wake: (() => void) | undefined;
    let sent = 0;
    const iterator = source[Symbol.asyncIterator]();

    const waitForDrain = () =>
      new Promise<void>((resolve) => {
        const done = () => {
          call.off('drain', done);
          call.off('cancelled', done);
          call.off('close', done);
          wake = undefined;
          resolve();
        };
        wake = done;
        call.once('drain', done);
        call.once('cancelled', done);
        call.once('close', done);
      });

    void (async () => {
      try {
        for (;;) {
          if (stopped || call.cancelled) break;
          const next = await iterator.next();
          if (next.done || stopped || call.cancelled) break;
          subscriber.next(present(next.value));
          sent += 1;
          while (!stopped && !call.cancelled && call.writableNeedDrain) await waitForDrain();
        }
        if (stopped || call.cancelled) logger.log({ sent }, `${label} stream stopped: the client went away`);
        else subscriber.complete();
      } catch (e) {
        if (!stopped) subscriber.error(e);
      } finally {
        await iterator.return?.()?.catch(() => undefined);
      }
    })();

    return () => {
      stopped = true;
      wake?.();
    };
  });
}
