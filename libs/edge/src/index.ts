// The edge proxy of each Docker host (Caddy 2.6 from Debian, image allmende/caddy:2.6).
//
// Use the EdgeProxy port, bound to CaddyEdgeProxy by EdgeModule.forRoot({ issuer: ... }) from #edge/module:
//   ensureEdge(engine, host)            create/repair the edge container + base config (idempotent)
//   reconcile(engine, host, sites)      make the edge serve exactly these sites (the reconcile loop)
//   drift(engine, host, sites)          what reconcile would change, without changing it
//   observe(engine)                     which tenants the edge serves, and its tenant networks
//   applySite(engine, site)             add or update one tenant's routes and allow-list entry
//   removeSite(engine, tenantId)        remove them and leave the tenant's networks
//   connectNetwork / disconnectNetwork  join or leave a tenant network by hand
//   rootCertificate(engine)             the internal CA's root (internal issuer: tests, npm start)
//   certificateFor(engine, host, { obtain })  certificate + key Caddy holds for a host (e.g. for Prosody)
// A site (EdgeSite) is plain data: tenant id, state (serving/paused/gone), its network, its host
// names (each with `certificate` allowed or not, and routes to containers by Docker name).
// The pure parts (rendering, diff, validation) are exported for tests and for reports.
export * from './caddy-admin.js';
export * from './caddy-edge-proxy.js';
export * from './edge-config.js';
export * from './edge-container.js';
export * from './edge-diff.js';
export * from './edge-errors.js';
export * from './edge-proxy.port.js';
export * from './edge-settings.js';
export * from './host-names.js';
export * from './site-routes.js';
