// A Temporal worker with nothing of ours: one trivial workflow (prebuilt bundle), one no-op activity.
// Plain JavaScript, so it runs with or without the tsx loader. Usage: node worker.mjs <address> <bundle.js>
import { NativeConnection, Worker } from '@temporalio/worker';

const [address, codePath] = process.argv.slice(2);
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  taskQueue: 'minimal',
  workflowBundle: { codePath },
  activities: { async noop() {} },
  debugMode: process.env.WORKFLOW_THREAD === 'main',
});
await worker.run();
