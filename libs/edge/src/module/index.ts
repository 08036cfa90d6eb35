// EdgeModule binds the EdgeProxy port to CaddyEdgeProxy and imports RuntimeModule (which loads
// dockerode): only entry points and modules that wire the app import this; the #edge barrel does not.
export * from './edge.module.js';
