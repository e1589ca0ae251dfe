/** A flow's FHIR Tasks (lots, transmissions…): undefined when the id is not one of this flow's. */
export type TaskReader = (id: string) => Promise<Record<string, unknown> | undefined>;
