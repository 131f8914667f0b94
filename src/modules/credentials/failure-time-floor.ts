/** Samples kept per hash kind: few, so that the floor follows a change in load. */
const SAMPLES_PER_KIND = 8;
/** Samples of the reference kind whose median stands for "the machine's speed now". */
const REFERENCE_SAMPLES = 5;
/** Hash kinds tracked. Stored hashes come from our own database, so a handful exist; the cap only bounds memory. */
const MAX_KINDS = 32;
/** Headroom over the slowest estimate, so that the slowest kind's own jitter rarely sticks out past the floor. */
const HEADROOM = 1.1;

interface KindSamples {
  readonly ms: number[];
  /** Each sample's time divided by the reference median when it was taken. */
  readonly ratios: number[];
}

/**
 * How long a failed password check should take: just above the slowest verify, over
 * every kind of stored hash seen (argon2 with each parameter set, bcrypt with each
 * cost). PasswordHasher holds every failure (wrong password, unknown user, unusable
 * hash) to this floor, so a wrong password for a legacy bcrypt user and one for an
 * unknown identifier take the same time although bcrypt alone is slower than argon2.
 *
 * Each kind is estimated two ways and the larger wins:
 * - the slowest of its last samples: one slow verify raises the floor at once;
 * - its typical ratio to the reference kind (the argon2id every sign-in of an unknown or
 *   current user runs) times the reference's recent median: legacy kinds are verified
 *   rarely, so their own samples can be old, while the reference follows the load of
 *   the machine within a few sign-ins. Without it, the first legacy verify after load
 *   rises would stand out.
 * A kind is never forgotten (its last samples stay until newer ones of the same kind
 * replace them): dropping a rarely used kind would let its next verify stand out again.
 */
export class FailureTimeFloor {
  private readonly samples = new Map<string, KindSamples>();
  private readonly reference: number[] = [];

  /**
   * Records how long one verify of a hash of `kind` computed (queue wait excluded);
   * `isReference` for the kind of the service's own current hashes.
   */
  record(kind: string, ms: number, isReference = false): void {
    let kept = this.samples.get(kind);
    if (!kept) {
      if (this.samples.size >= MAX_KINDS) return;
      kept = { ms: [], ratios: [] };
      this.samples.set(kind, kept);
    }
    pushBounded(kept.ms, ms, SAMPLES_PER_KIND);
    if (isReference) {
      pushBounded(this.reference, ms, REFERENCE_SAMPLES);
      return;
    }
    const reference = median(this.reference);
    if (reference > 0) pushBounded(kept.ratios, ms / reference, SAMPLES_PER_KIND);
  }

  /** The floor in milliseconds; 0 until something was recorded. */
  get ms(): number {
    return HEADROOM * Math.max(0, ...Object.values(this.kinds));
  }

  /** The estimate per kind in milliseconds, before headroom, for diagnostics and the benchmark. */
  get kinds(): Record<string, number> {
    const reference = median(this.reference);
    return Object.fromEntries(
      [...this.samples].map(([kind, kept]) => [kind, Math.max(...kept.ms, kept.ratios.length > 0 ? median(kept.ratios) * reference : 0)]),
    );
  }
}

function pushBounded(values: number[], value: number, max: number): void {
  values.push(value);
  if (values.length > max) values.shift();
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
