/**
 * A plugin's `concurrency`: at most that many of its pages in flight at once
 * in this process, whichever requests they belong to, so a thousand requests
 * side by side do not open a thousand connections to the system behind it.
 * Pages past the limit wait their turn, first come first served.
 */

/** Waiting pages and the count in flight, per plugin. */
const lanes = new Map<string, { inFlight: number; waiting: Array<() => void> }>();

/**
 * Waits for a free slot of `key` (at most `limit` at once) and returns its release.
 * @throws the signal's reason when it aborts while waiting (the slot is not taken)
 */
export async function takeSlot(key: string, limit: number, signal: AbortSignal): Promise<() => void> {
  let lane = lanes.get(key);
  if (lane === undefined) {
    lane = { inFlight: 0, waiting: [] };
    lanes.set(key, lane);
  }
  const own = lane;
  if (own.inFlight >= limit) {
    await new Promise<void>((resolve, reject) => {
      const turn = () => {
        signal.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        own.waiting.splice(own.waiting.indexOf(turn), 1);
        reject(signal.reason);
      };
      signal.throwIfAborted();
      signal.addEventListener('abort', abort, { once: true });
      own.waiting.push(turn);
    });
  } else {
    own.inFlight++;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // The slot passes straight to the next page waiting, or is given back.
    const next = own.waiting.shift();
    if (next) next();
    else own.inFlight--;
  };
}
