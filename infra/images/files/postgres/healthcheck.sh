#!/bin/sh
# `docker exec <ctr> allmende-healthcheck`: 0 when the server accepts TCP connections.
# TCP, not the socket: during first-start initialisation a temporary server answers on
# the socket only, and clients on the network must not be told it is ready yet.
exec pg_isready -q -h 127.0.0.1 -p 5432 -U "${POSTGRES_USER:-postgres}"
