import { AUDIT_MIGRATIONS } from '../audit';
import { cdriFlow } from '../cdri/cdri.flow';
import { fidesFlow } from '../fides/fides.flow';
import { PLATFORM_MIGRATIONS } from '../persistence/data-source';
import type { FlowModule } from '../platform/flow';
import { transportFlow } from '../transport/transport.flow';

/**
 * The registered flows, in build order: a flow may use the services of the flows above it (billing flows send
 * through transport's outbox). Adding a flow is one folder under src/ exporting its FlowModule, plus one line here.
 */
export const FLOWS: readonly FlowModule[] = [cdriFlow, transportFlow, fidesFlow];

/** Every schema change: the shared tables' (platform, audit), then each flow's (TypeORM runs them in timestamp order). */
export const MIGRATIONS = [...PLATFORM_MIGRATIONS, ...AUDIT_MIGRATIONS, ...FLOWS.flatMap((f) => f.migrations)];
