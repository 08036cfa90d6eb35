import { BackupHandler, DrillHandler, ExportHandler, RestoreHandler } from './backup.handlers.js';
import { PurgeHandler, RecreateHandler, ResumeHandler, SuspendHandler, TerminateHandler } from './lifecycle.handlers.js';
import { ProvisionHandler } from './provision.handler.js';
import { ReconcileHandler } from './reconcile.handler.js';
import { UpgradeHandler } from './upgrade.handler.js';

/** Every operation kind the worker can run. */
export const LifecycleHandlers = [ProvisionHandler, SuspendHandler, ResumeHandler, TerminateHandler, PurgeHandler, ReconcileHandler, BackupHandler, ExportHandler, RestoreHandler, DrillHandler, RecreateHandler, UpgradeHandler];
