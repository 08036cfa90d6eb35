// Logs in to an XMPP server with @xmpp/client and prints "online <jid>".
// A child process, so NODE_EXTRA_CA_CERTS can trust the tenant's own self-signed
// certificate: TLS is verified for real (hostname and chain), not switched off.
//   node xmpp-login.mjs <host> <port> <domain> <username> <password>
import { client } from '@xmpp/client';

const [host, port, domain, username, password] = process.argv.slice(2);
const xmpp = client({ service: `xmpp://${host}:${port}`, domain, username, password, resource: 'allmende-test' });
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
