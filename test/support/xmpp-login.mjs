// Logs in to an XMPP server with @xmpp/client and prints "online <jid>".
// A child process, so NODE_EXTRA_CA_CERTS can trust the certificate authority the test names:
// TLS is verified for real (hostname and chain), not switched off.
//   node xmpp-login.mjs <host> <port> <domain> <username> <password>
//   node xmpp-login.mjs --srv <dns-server ip:port> <domain> <username> <password>
// With --srv the client finds the server as any XMPP client does, from the domain's SRV records
// (_xmpp-client._tcp), asking the given DNS server (the tests' own) for them and for the target's address.
import dns from 'node:dns';
import { client } from '@xmpp/client';

const args = process.argv.slice(2);
let options;
if (args[0] === '--srv') {
  const [, server, domain, username, password] = args;
  dns.setServers([server]);
  // @xmpp/resolve asks dns.lookup (the system's resolver) for the SRV target's address: ask the test's server instead
  dns.lookup = (name, lookupOptions, callback) => {
    const done = typeof lookupOptions === 'function' ? lookupOptions : callback;
    dns.resolve4(name, (error, addresses) => {
      if (error) return done(error);
      const all = addresses.map((address) => ({ address, family: 4 }));
      return lookupOptions?.all ? done(null, all) : done(null, all[0].address, 4);
    });
  };
  // a service without a scheme makes @xmpp/client resolve it: SRV records first, then the name's addresses
  options = { service: domain, domain, username, password, resource: 'allmende-test' };
} else {
  const [host, port, domain, username, password] = args;
  options = { service: `xmpp://${host}:${port}`, domain, username, password, resource: 'allmende-test' };
}
const xmpp = client(options);
const timer = setTimeout(() => {
  console.error('timeout');
  process.exit(2);
}, 20_000);
xmpp.on('error', (error) => {
  console.error(`error: ${error.condition ?? ''} ${error.message}`);
  process.exit(1);
});
xmpp.on('online', async (address) => {
  console.log(`online ${address.toString()}`);
  clearTimeout(timer);
  await xmpp.stop().catch(() => undefined);
  process.exit(0);
});
await xmpp.start().catch((error) => {
  console.error(`error: ${error.condition ?? ''} ${error.message}`);
  process.exit(1);
});
