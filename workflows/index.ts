/** Every workflow the worker runs; the worker bundles this file. */
export { exportRequest } from './export-request.ts';
export { eraseRequest } from './erase-request.ts';
export { deleteExportLater } from './delete-export.ts';
export { mailExportLink } from './mail-export-link.ts';
export { discardStagingLater } from './discard-staging.ts';
export { appealRequest } from './appeal-request.ts';
export { reapplyErasure } from './reapply-erasure.ts';
