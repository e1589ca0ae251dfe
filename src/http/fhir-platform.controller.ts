import { Controller, Get, Inject, Param, Req } from '@nestjs/common';
import type { Principal } from '../access/roles';
import { GatewayError } from '../common/gateway-error';
import { Caller } from './access.guard';
import { ResourceIdPipe } from './pipes';
import { Reply } from './reply';
import { Route } from './route-doc';
import { FLOW_PARTS } from '../platform/tokens';
import type { HttpCatalog } from './http-catalog';
import { capabilityStatement } from '../fhir/capability-statement';

/**
 * The FHIR routes no single flow owns: the CapabilityStatement, built from every mounted route's declaration, and
 * Task reads, asked of each flow in turn (a Task is a CDRi lot, a lot transmission, later a billing lot…).
 */
@Controller('fhir')
export class FhirPlatformController {
  constructor(@Inject(FLOW_PARTS) private readonly catalog: HttpCatalog) {}

  @Get('metadata')
  @Route({
    summary: 'This statement.',
    tag: 'FHIR',
    roles: 'anonymous',
    fhir: { resource: '', kind: 'capabilities', name: 'capabilities' },
  })
  metadata(@Req() req: { headers: Record<string, string | string[] | undefined>; protocol?: string }): Reply {
    const host = typeof req.headers.host === 'string' ? req.headers.host : 'localhost';
    const base = `${req.protocol ?? 'http'}://${host}/fhir`;
    return Reply.fhir(capabilityStatement(this.catalog.version, base, this.catalog.routes));
  }

  @Get('Task/:id')
  @Route({
    summary: 'A long-running piece of work (CDRi lot, lot transmission): status, counts, percentage and ETA.',
    tag: 'FHIR',
    errors: [401, 403, 404, 429],
    fhir: { resource: 'Task', kind: 'read', name: 'read' },
    roles: ['gap', 'batch', 'billing', 'operator'],
  })
  async task(@Caller() caller: Principal, @Param('id', new ResourceIdPipe('Task')) id: string): Promise<Reply> {
    for (const read of this.catalog.taskReaders) {
      const task = await read(id, caller);
      if (task) return Reply.fhir(task);
    }
    throw new GatewayError('NOT_FOUND', `Task/${id} does not exist`);
  }
}
