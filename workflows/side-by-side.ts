/**
 * Work of one workflow run side by side, at most `limit` at a time (a
 * request's exporters). Tasks start in the order given, each as soon as a
 * lane is free, so a replay makes the same commands in the same order. The
 * first failure cancels the tasks still running, waits for them to settle,
 * and is what the caller sees: one failure, not one per lane.
 */
import * as wf from '@temporalio/workflow';

/**
 * Runs `run(item)` for each item, at most `limit` at once.
 * @param mayStart asked before each start: false stops starting new tasks (those running finish)
 * @throws the first task's failure, once every task has settled
 */
export async function sideBySide<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>, mayStart: () => boolean = () => true): Promise<void> {
  const lanes = Math.max(1, Math.min(limit, items.length));
  const scope = new wf.CancellationScope();
  let failure: { error: unknown } | undefined;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length && mayStart()) {
      const item = items[next++] as T;
      try {
        await run(item);
      } catch (error) {
        if (failure !== undefined) return; // a task cancelled because another failed
        failure = { error };
        // The others' pages would be wasted work now; one lane has nothing else to cancel.
        if (lanes > 1) scope.cancel();
        return;
      }
    }
  };
  await scope.run(() => Promise.all(Array.from({ length: lanes }, lane)));
  if (failure !== undefined) throw failure.error;
}
