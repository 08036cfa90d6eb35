// Logs in to an XMPP server with @xmpp/client and prints "online <jid>".
// A child process, so NODE_EXTRA_CA_CERTS can trust the certificate authority the test names:
// TLS is verified for real (hostname and chain), not switched off.
//   node xmpp-login.mjs <host> <port> <domain> <username> <password>
//   node xmpp-login.mjs --srv <dns-server ip:port> <domain> <username> <password>
// After the password, an action may follow, done while online:
//   send <jid> <text>   a chat message to jid (the server keeps it in both archives, XEP-0313)
//   archive             the user's message archive (MAM), one "archived <from> <text>" line each
// With --srv the client finds the server as any XMPP client does, from the domain's SRV records
// (_xmpp-client._tcp), asking the given DNS server (the tests' own) for them and for the target's address.
import dns from 'node:dns';
import { client, xml } from '@xmpp/client';

const args = process.argv.slice(2);
let options;
let action = [];
if (args[0] === '--srv') {
  const [, server, domain, username, password, ...rest] = args;
  action = rest;
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
  const [host, port, domain, username, password, ...rest] = args;
  action = rest;
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
  try {
    if (action[0] === 'send') {
      await xmpp.send(xml('message', { to: action[1], type: 'chat', id: `m${Date.now()}` }, xml('body', {}, action[2])));
      // a ping answered means the server has handled the message before it
      await xmpp.iqCaller.request(xml('iq', { type: 'get', to: options.domain }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
      console.log('sent');
    } else if (action[0] === 'archive') {
      const queryid = `q${Date.now()}`;
      xmpp.on('stanza', (stanza) => {
        const result = stanza.getChild('result', 'urn:xmpp:mam:2');
        if (!result || result.attrs.queryid !== queryid) return;
        const message = result.getChild('forwarded', 'urn:xmpp:forward:0')?.getChild('message');
        if (message) console.log(`archived ${message.attrs.from?.split('/')[0]} ${message.getChildText('body')}`);
      });
      await xmpp.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: 'urn:xmpp:mam:2', queryid })), 15_000);
    }
  } catch (error) {
    console.error(`error: ${error.condition ?? ''} ${error.message}`);
    process.exit(1);
  }
  clearTimeout(timer);
  await xmpp.stop().catch(() => undefined);
  process.exit(0);
});
await xmpp.start().catch((error) => {
  console.error(`error: ${error.condition ?? ''} ${error.message}`);
  process.exit(1);
});
