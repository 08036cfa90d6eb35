import { Test } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '#platform';
import { ContainerRuntime } from '#runtime';
import { DockerodeRuntime } from '#runtime/docker';
import { CaddyEdgeProxy } from '../caddy-edge-proxy.js';
import { EdgeProxy } from '../edge-proxy.port.js';
import { EdgeModule } from './edge.module.js';

const config = loadConfig({ NODE_ENV: 'test', ALLMENDE_SECRET_KEY: `${'A'.repeat(43)}=` }, '/tmp');

describe('EdgeModule', () => {
  it('binds the EdgeProxy port to the Caddy adapter on the dockerode runtime', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), EdgeModule.forRoot({ issuer: { kind: 'internal' } })] }).compile();
    expect(moduleRef.get(EdgeProxy)).toBeInstanceOf(CaddyEdgeProxy);
    expect(moduleRef.get(ContainerRuntime)).toBeInstanceOf(DockerodeRuntime);
    await moduleRef.close();
  });

  it('takes its options from a factory, and refuses bad ones at start naming the field', async () => {
    const good = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), EdgeModule.forRootAsync({ useFactory: () => ({ issuer: { kind: 'acme', email: 'ops@coop.example' } }) })],
    }).compile();
    expect(good.get(EdgeProxy)).toBeInstanceOf(CaddyEdgeProxy);
    await good.close();
    await expect(
      Test.createTestingModule({ imports: [ConfigModule.forRoot(config), EdgeModule.forRoot({ issuer: { kind: 'acme', email: 'nope' } })] }).compile(),
    ).rejects.toMatchObject({ fields: { 'issuer.email': expect.objectContaining({ code: 'input.invalid' }) } });
  });
});
