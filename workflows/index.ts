/** Every workflow the worker runs; the worker bundles this file. */
export { exportRequest } from './export-request.ts';
export { deleteExportLater } from './delete-export.ts';
