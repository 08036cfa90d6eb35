-- Allmende Prosody configuration (baked into allmende/prosody:0.12 and :13).
--
-- Every per-tenant value comes from the container environment through
-- os.getenv, so the control plane never generates or escapes Lua:
--   ALLMENDE_XMPP_DOMAIN       (required) the VirtualHost, e.g. chat.example.org
--   ALLMENDE_XMPP_ADMINS       optional comma/space separated admin JIDs
--   ALLMENDE_XMPP_MUC_DOMAIN   optional group chat component, e.g. conference.chat.example.org
--   ALLMENDE_XMPP_STORAGE      "sql" (default, SQLite file in /var/lib/prosody) or "internal"
--   ALLMENDE_XMPP_LOG_LEVEL    debug|info|warn|error (default info)
-- The same file is read by `prosodyctl` in `docker exec`, which sees the same env.

-- Prosody 13 gives the config file Lua's libraries as Lua.os, Lua.io (and warns about the bare
-- names); 0.12 has only the bare names.
local lua = Lua or { os = os, io = io }

local function env(name, default)
	local value = lua.os.getenv(name)
	if value == nil or value == "" then return default end
	return value
end

local domain = env("ALLMENDE_XMPP_DOMAIN")
if not domain then
	error("ALLMENDE_XMPP_DOMAIN is not set")
end

-- (Build locals first: reading a config option back inside this file does not work.)
local admin_list = {}
for jid in env("ALLMENDE_XMPP_ADMINS", ""):gmatch("[^,%s]+") do
	admin_list[#admin_list + 1] = jid
end
admins = admin_list

modules_enabled = {
	"disco"; "roster"; "saslauth"; "tls"; "blocklist"; "bookmarks"; "carbons";
	"dialback"; "limits"; "pep"; "private"; "smacks"; "vcard4"; "vcard_legacy";
	"csi_simple"; "ping"; "time"; "uptime"; "version"; "mam";
	"admin_adhoc"; "admin_shell";
	"bosh"; "websocket";
}
modules_disabled = {}

-- Paths: data (accounts, SQLite, self-signed cert) live in one volume.
data_path = "/var/lib/prosody"
pidfile = "/run/prosody/prosody.pid"

-- Log everything to the console, i.e. the container's stdout.
log = { { levels = { min = env("ALLMENDE_XMPP_LOG_LEVEL", "info") }, to = "console" } }

-- Listen on IPv4 inside the container (IPv6 is often absent there).
interfaces = { "*" }
c2s_ports = { 5222 }
s2s_ports = { 5269 }
http_ports = { 5280 }
http_interfaces = { "*" }
-- (no external components; the MUC is internal) only IPv4 loopback, which every container has
component_interfaces = { "127.0.0.1" }
https_ports = {}
-- TLS is normally terminated by a proxy in front of BOSH/websocket.
consider_bosh_secure = true
consider_websocket_secure = true

-- Accounts are only created by the operator (prosodyctl register).
allow_registration = false
authentication = "internal_hashed"
c2s_require_encryption = true
s2s_require_encryption = true
-- The certificate is self-signed until a real one is provided, so remote
-- servers cannot be authenticated by certificate; dialback still works.
s2s_secure_auth = false

if env("ALLMENDE_XMPP_STORAGE", "sql") == "sql" then
	storage = "sql"
	sql = { driver = "SQLite3", database = "prosody.sqlite" }
else
	storage = "internal"
end

archive_expires_after = "1w"
limits = { c2s = { rate = "10kb/s" }, s2sin = { rate = "30kb/s" } }

-- Each host presents the certificate the edge proxy issued for it (certs/<name>.crt and .key,
-- installed by allmende-prosody-install-cert, which makes Prosody read this file again); until
-- then the self-signed one the entrypoint writes (tls.crt).
local certdir = "/var/lib/prosody/certs/"
local function certificate_for(name)
	local file = lua.io.open(certdir .. name .. ".crt", "r")
	if file then
		file:close()
		return { certificate = certdir .. name .. ".crt", key = certdir .. name .. ".key" }
	end
	return { certificate = certdir .. "tls.crt", key = certdir .. "tls.key" }
end
ssl = certificate_for(domain)

VirtualHost(domain)
	ssl = certificate_for(domain)

local muc = env("ALLMENDE_XMPP_MUC_DOMAIN")
if muc then
	Component(muc, "muc")
		modules_enabled = { "muc_mam" }
		ssl = certificate_for(muc)
end
