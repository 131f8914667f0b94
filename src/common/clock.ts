import { Injectable } from '@nestjs/common';

/**
 * The source of "now" for every expiry decision (tokens, lockouts, codes),
 * injectable so tests move time instead of sleeping. SQL receives this time as
 * a parameter rather than calling now().
 */
export abstract class Clock {
  abstract now(): Date;
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock tests can set and advance. */
export class ManualClock extends Clock {
  private current: number;
  constructor(start: Date = new Date()) {
    super();
    this.current = start.getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date): void {
    this.current = at.getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
