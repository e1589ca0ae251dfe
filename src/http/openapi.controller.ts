import { Controller, Get, Inject } from '@nestjs/common';
import { FLOW_PARTS } from '../platform/tokens';
import type { HttpCatalog } from './http-catalog';
import { openApiDocument } from './openapi';
import { Route } from './route-doc';

@Controller()
export class OpenApiController {
  private doc?: Record<string, unknown>;
  constructor(@Inject(FLOW_PARTS) private readonly catalog: HttpCatalog) {}

  @Get('openapi.json')
  @Route({ summary: 'This document', tag: 'Operations', roles: 'anonymous' })
  get(): Record<string, unknown> {
    this.doc ??= openApiDocument(this.catalog.version, this.catalog.routes);
    return this.doc;
  }
}
