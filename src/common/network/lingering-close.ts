import type { Socket } from 'node:net';

/** How long a refused connection may keep sending before it is cut. */
export const LINGER_MS = 2_000;

/**
 * Closes the connection of an answer sent before its request body was read, without the
 * client losing that answer (nginx's lingering close). Node ends a `connection: close`
 * response with socket.destroySoon(): FIN, then destroy() as soon as it is flushed. A
 * socket destroyed with input still arriving makes the kernel answer RST, and a client
 * still writing its body then reads ECONNRESET instead of the answer already sent. Here
 * the write side is closed (FIN) but the input is read and dropped until the client
 * closes too, or for `ms` at most.
 *
 * Call it from the response's 'finish' (after Node's own handler). If Node stops
 * ending sockets this way, removing the listener does nothing and the old behaviour stays.
 */
export function lingerBeforeClose(socket: Socket | null | undefined, ms = LINGER_MS): void {
  if (!socket || socket.destroyed) return;
  socket.removeListener('finish', socket.destroy);
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  // Whatever still reads it (the HTTP parser dumping the body) may stop: drop it here.
  socket.on('data', () => undefined);
}
