// The dockerode adapter of the ContainerRuntime port: only entry points and modules that bind it import this.
export * from './docker-connection.js';
export * from './dockerode-runtime.js';
export * from './runtime.module.js';
