import { Test } from '@nestjs/testing';
import { ContainerRuntime } from '../container-runtime.port.js';
import { DOCKER_RUNTIME_OPTIONS, DockerodeRuntime } from './dockerode-runtime.js';

describe('DockerodeRuntime wiring', () => {
  it('is bound to the port with default options', async () => {
    const module = await Test.createTestingModule({ providers: [{ provide: ContainerRuntime, useClass: DockerodeRuntime }] }).compile();
    expect(module.get(ContainerRuntime)).toBeInstanceOf(DockerodeRuntime);
  });

  it('takes options from DOCKER_RUNTIME_OPTIONS', async () => {
    const module = await Test.createTestingModule({
      providers: [{ provide: DOCKER_RUNTIME_OPTIONS, useValue: { publishIp: '10.0.0.5' } }, { provide: ContainerRuntime, useClass: DockerodeRuntime }],
    }).compile();
    expect((module.get(ContainerRuntime) as unknown as { options: { publishIp: string; helperImage: string } }).options).toMatchObject({
      publishIp: '10.0.0.5',
      helperImage: 'allmende/busybox:1',
    });
  });
});
