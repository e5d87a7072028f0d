/**
 * Starts the workflow that deletes a delivered export at the end of its
 * retention (workflows/delete-export.ts), from an activity instead of as the
 * request's child. A child's start needs a round trip through the Temporal
 * server before the request can go on; started here, it is one step of the
 * workflow task that runs a small export from confirmation to mail.
 *
 * Safe to run twice: the deletion workflow's id is the request's, and the
 * export file's name is too (activities/export-files.ts), so a second start
 * finds the first one's workflow, deleting the same file, and leaves it be.
 */
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { cleanupWorkflowId } from '../model/request.ts';

/** The workflow type of workflows/delete-export.ts (activities do not import workflows; test/export-retention.test.ts checks the name). */
export const DELETE_EXPORT_WORKFLOW_TYPE = 'deleteExportLater';

export interface ScheduleExportDeletionInput {
  requestId: string;
  file: string;
  delayMs: number;
}

export function createExportRetentionActivities() {
  return {
    /** Starts the export's deletion timer on this worker's task queue; a timer already running for the request is the one kept. */
    async scheduleExportDeletion({ requestId, file, delayMs }: ScheduleExportDeletionInput): Promise<void> {
      const { client, info } = Context.current();
      try {
        await client.workflow.start(DELETE_EXPORT_WORKFLOW_TYPE, {
          workflowId: cleanupWorkflowId(requestId),
          taskQueue: info.taskQueue,
          args: [{ file, delayMs }],
          // Never a second deletion workflow for one request, even after the first has ended.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: 'Deletes an export file at the end of its retention',
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
  };
}
