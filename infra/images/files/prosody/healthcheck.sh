#!/bin/bash
# `docker exec <ctr> allmende-healthcheck`: exit 0 when port 5222 answers an XMPP
# stream header for ALLMENDE_XMPP_DOMAIN with stream features offering STARTTLS.
set -euo pipefail
exec 3<>/dev/tcp/127.0.0.1/5222
printf "<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" \
  "${ALLMENDE_XMPP_DOMAIN:?}" >&3
reply=""
while IFS= read -r -t 5 -d '>' chunk <&3; do
  reply+="$chunk>"
  [[ "$reply" == *"</stream:features>"* ]] && break
done
exec 3>&-
[[ "$reply" == *"<starttls"* ]]
