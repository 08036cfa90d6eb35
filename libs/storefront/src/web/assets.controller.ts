import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import { Public } from '#identity';
import { SCRIPT, STYLESHEET } from './assets.js';

/** The pages' own stylesheet and script: no third-party assets, no inline code. */
@Controller('assets')
export class AssetsController {
  @Public()
  @Get('billing.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiExcludeEndpoint()
  stylesheet(): string {
    return STYLESHEET;
  }

  @Public()
  @Get('billing.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiExcludeEndpoint()
  script(): string {
    return SCRIPT;
  }
}
