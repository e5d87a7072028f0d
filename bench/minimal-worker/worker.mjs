// A Temporal worker with nothing of ours: trivial workflows (prebuilt bundle), no-op activities.
// Plain JavaScript, so it runs with or without the tsx loader. Usage: node worker.mjs <address> <bundle.js>
import { Client, Connection } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';

const [address, codePath] = process.argv.slice(2);
const connection = await NativeConnection.connect({ address });
const client = new Client({ connection: await Connection.connect({ address }) });
const worker = await Worker.create({
  connection,
  taskQueue: 'minimal',
  workflowBundle: { codePath },
  activities: {
    async noop() {},
    // As this project's deletion is started: by a client call from a local activity, not as a child.
    async startDeletion() {
      const { workflowId } = Context.current().info.workflowExecution;
      await client.workflow.start('deleteLater', { taskQueue: 'minimal', workflowId: `${workflowId}-deletion`, workflowIdReusePolicy: 'REJECT_DUPLICATE' });
    },
  },
  debugMode: process.env.WORKFLOW_THREAD === 'main',
  maxCachedWorkflows: 1000,
});
await worker.run();
