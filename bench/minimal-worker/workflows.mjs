// The smallest workflow module: what any Temporal TypeScript worker loads.
import { patched, proxyLocalActivities, sleep, upsertMemo } from '@temporalio/workflow';

const { noop, startDeletion } = proxyLocalActivities({ startToCloseTimeout: '10s' });

export async function hello() {
  return 'hi';
}

// The least a request's lifecycle can be: started, one step of work in the worker, completed.
export async function oneLocalActivity() {
  await noop();
  return 'done';
}

// The shape of one small export request of this project with every step a no-op: the same
// Temporal work (patches, memo updates, local activities in the same rounds, a second workflow
// started for the download's deletion) and nothing else.
export async function requestSkeleton() {
  upsertMemo({ status: 'pending' });
  patched('one');
  await Promise.all([noop(), noop()]); // manifest, staging host
  upsertMemo({ status: 'processing' });
  patched('two');
  await noop(); // the exporters and the ZIP
  patched('three');
  await Promise.all([startDeletion(), noop()]); // the deletion's workflow, the release record
  await noop(); // the download mail
  upsertMemo({ status: 'completed' });
  return 'done';
}

// The download's deletion: a durable timer of three days.
export async function deleteLater() {
  await sleep('3 days');
}

// requestSkeleton without the deletion's workflow: what that second workflow costs.
export async function requestSkeletonWithoutDeletion() {
  upsertMemo({ status: 'pending' });
  patched('one');
  await Promise.all([noop(), noop()]);
  upsertMemo({ status: 'processing' });
  patched('two');
  await noop();
  patched('three');
  await noop();
  await noop();
  upsertMemo({ status: 'completed' });
  return 'done';
}
