#!/bin/sh
# `docker exec <ctr> allmende-healthcheck`: 0 when the server accepts connections.
exec pg_isready -q -h /var/run/postgresql -U "${POSTGRES_USER:-postgres}"
