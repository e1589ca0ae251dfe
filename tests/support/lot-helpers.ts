import { makeTestNir } from '../../src/simulators/cdri/simulated-patients';
import { expectValidFhir } from './fhir-schema';
import { headersAs } from './gateway-process';
import { waitFor } from './wait-for';

/** `count` distinct test NIRs in one scenario range (order), varied by commune and birth month. */
export function nirs(count: number, order: number, offset = 0): string[] {
  return Array.from({ length: count }, (_, i) => {
    const k = i + offset;
    return makeTestNir({ order, commune: 1 + (k % 990), month: 1 + (Math.floor(k / 990) % 12), year: 50 + Math.floor(k / 11880) });
  });
}

/** A GAP export; with `named`, every patient gets the test family name (needed for the rights-change A08). */
export function csvOf(list: string[], dateOfCare: string, named = false): string {
  if (named) return ['nir;date_of_care;family_name;given_name', ...list.map((n) => `${n};${dateOfCare};TESTNOM-ZZQ;PRENOMTEST`)].join('\n');
  return ['nir;date_of_care', ...list.map((n) => `${n};${dateOfCare}`)].join('\n');
}

export async function postCsv(baseUrl: string, csv: string): Promise<{ status: number; task: any }> {
  const res = await fetch(`${baseUrl}/cdri/lots/csv`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', ...headersAs('batch') },
    body: csv,
  });
  return { status: res.status, task: await res.json() };
}

export async function getJson(baseUrl: string, path: string): Promise<any> {
  // As an operator: lots and transmissions of every client and establishment.
  const res = await fetch(`${baseUrl}${path}`, { headers: headersAs('operator') });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/** A FHIR resource read from the gateway, checked against the R4 schema (tests only: the benchmarks use getJson). */
export async function getFhir(baseUrl: string, path: string): Promise<any> {
  const resource = await getJson(baseUrl, path);
  expectValidFhir(resource);
  return resource;
}

export const output = (task: any, name: string) => task.output.find((o: any) => o.type.text === name);

export async function waitForTask(baseUrl: string, id: string, status: string, timeoutMs = 120000): Promise<any> {
  return waitFor(
    `Task/${id} ${status}`,
    async () => {
      const t = await getFhir(baseUrl, `/fhir/Task/${id}`);
      return t.status === status ? t : undefined;
    },
    timeoutMs,
    200,
  );
}

export function tomorrow(): string {
  const d = new Date(Date.now() + 86400000);
  return d.toISOString().slice(0, 10);
}
