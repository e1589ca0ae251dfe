import type { Principal } from '../access/roles';

/**
 * A flow's FHIR Tasks (lots, transmissions…): undefined when the id is not one of this flow's, or when `reader` may
 * not see it (another establishment, another client's transmission) — the same "not found", so that existence is
 * not disclosed.
 */
export type TaskReader = (id: string, reader: Principal) => Promise<Record<string, unknown> | undefined>;
