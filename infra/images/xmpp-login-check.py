#!/usr/bin/env python3
"""Log in to an XMPP server like a client does: stream header, STARTTLS,
SASL SCRAM-SHA-1 (PLAIN is never used), resource bind. Standard library only.

usage: xmpp-login-check.py HOST PORT DOMAIN USER PASSWORD [--send JID TEXT] [--mam-count]
Exit 0 and print the bound JID on success. The certificate is not verified
(Allmende's Prosody image starts with a self-signed one).
--send: then send a chat message to JID (stored in both users' message archives);
--mam-count: then print "mam: N", the number of messages in the user's archive (XEP-0313).
"""
import base64, hashlib, hmac, os, re, socket, ssl, sys

def main():
    host, port, domain, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    extra, send_to, mam_count = sys.argv[6:], None, False
    while extra:
        if extra[0] == "--send" and len(extra) >= 3:
            send_to, send_text, extra = extra[1], extra[2], extra[3:]
        elif extra[0] == "--mam-count":
            mam_count, extra = True, extra[1:]
        else:
            raise SystemExit("unknown argument: " + extra[0])
    sock = socket.create_connection((host, port), timeout=10)

    def send(s, data):
        s.sendall(data.encode())

    def read_until(s, pattern):
        buf = ""
        while not re.search(pattern, buf, re.S):
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit("connection closed; got: " + buf)
            buf += chunk.decode(errors="replace")
        return buf

    header = ("<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
              "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" % domain)
    send(sock, header)
    feats = read_until(sock, r"</stream:features>")
    if "urn:ietf:params:xml:ns:xmpp-tls" not in feats:
        raise SystemExit("no STARTTLS offered: " + feats)
    print("stream features before TLS offer STARTTLS", file=sys.stderr)
    send(sock, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    read_until(sock, r"<proceed[^>]*/>")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    tls = ctx.wrap_socket(sock, server_hostname=domain)
    print("TLS established: %s" % tls.version(), file=sys.stderr)
    send(tls, header)
    feats = read_until(tls, r"</stream:features>")
    mechs = re.findall(r"<mechanism>([^<]+)</mechanism>", feats)
    print("SASL mechanisms after TLS: %s" % mechs, file=sys.stderr)
    if "SCRAM-SHA-1" not in mechs:
        raise SystemExit("SCRAM-SHA-1 not offered")

    nonce = base64.b64encode(os.urandom(18)).decode()
    bare = "n=%s,r=%s" % (user.replace("=", "=3D").replace(",", "=2C"), nonce)
    send(tls, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>%s</auth>"
         % base64.b64encode(("n,," + bare).encode()).decode())
    resp = read_until(tls, r"</challenge>|</failure>|<failure[^>]*/>")
    m = re.search(r"<challenge[^>]*>([^<]+)</challenge>", resp)
    if not m:
        raise SystemExit("SASL failed: " + resp)
    server_first = base64.b64decode(m.group(1)).decode()
    attrs = dict(kv.split("=", 1) for kv in server_first.split(","))
    if not attrs["r"].startswith(nonce):
        raise SystemExit("bad server nonce")
    salted = hashlib.pbkdf2_hmac("sha1", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"]))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha1).digest()
    stored_key = hashlib.sha1(client_key).digest()
    final_bare = "c=biws,r=%s" % attrs["r"]
    auth_msg = ",".join([bare, server_first, final_bare]).encode()
    sig = hmac.new(stored_key, auth_msg, hashlib.sha1).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, sig))
    server_key = hmac.new(salted, b"Server Key", hashlib.sha1).digest()
    expect_v = base64.b64encode(hmac.new(server_key, auth_msg, hashlib.sha1).digest()).decode()
    send(tls, "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%s</response>"
         % base64.b64encode(("%s,p=%s" % (final_bare, base64.b64encode(proof).decode())).encode()).decode())
    resp = read_until(tls, r"</success>|<success[^>]*/>|</failure>|<failure[^>]*/>")
    m = re.search(r"<success[^>]*>([^<]*)</success>", resp)
    if not m:
        raise SystemExit("SASL SCRAM-SHA-1 failed: " + resp)
    if base64.b64decode(m.group(1)).decode() != "v=" + expect_v:
        raise SystemExit("server signature mismatch")
    print("SCRAM-SHA-1 authentication succeeded (server signature verified)", file=sys.stderr)

    send(tls, header)
    read_until(tls, r"</stream:features>")
    send(tls, "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
              "<resource>allmende-check</resource></bind></iq>")
    resp = read_until(tls, r"</iq>")
    m = re.search(r"<jid>([^<]+)</jid>", resp)
    if not m:
        raise SystemExit("bind failed: " + resp)
    print(m.group(1))
    if send_to:
        esc = lambda t: t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")
        send(tls, "<message type='chat' to='%s' id='m1'><body>%s</body></message>" % (esc(send_to), esc(send_text)))
        # a round trip, so the message has been handled before the archive is read
        send(tls, "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>")
        read_until(tls, r"id=['\"]p1['\"]")
    if mam_count:
        send(tls, "<iq type='set' id='q1'><query xmlns='urn:xmpp:mam:2' queryid='c'>"
                  "<set xmlns='http://jabber.org/protocol/rsm'><max>1000</max></set></query></iq>")
        resp = read_until(tls, r"<iq[^>]*id=['\"]q1['\"][^>]*(/>|>.*?</iq>)")
        if "type='result'" not in resp and 'type="result"' not in resp:
            raise SystemExit("MAM query failed: " + resp[-500:])
        print("mam: %d" % len(re.findall(r"<result[^>]*queryid=['\"]c['\"]", resp)))
    send(tls, "</stream:stream>")
    tls.close()

if __name__ == "__main__":
    main()
