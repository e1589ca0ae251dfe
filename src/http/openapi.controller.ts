import { Controller, Get, Inject } from '@nestjs/common';
import { CONFIG } from '../app/tokens';
import { AppConfig } from '../config/app-config';
import { openApiDocument } from './openapi';

@Controller()
export class OpenApiController {
  private readonly doc: Record<string, unknown>;
  constructor(@Inject(CONFIG) config: AppConfig) {
    this.doc = openApiDocument(config.cdri.common.softwareVersion);
  }

  @Get('openapi.json')
  get(): Record<string, unknown> {
    return this.doc;
  }
}
