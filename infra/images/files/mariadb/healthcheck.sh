#!/bin/sh
# `docker exec <ctr> allmende-healthcheck`: 0 when mariadbd answers on its socket.
exec mariadb-admin ping --silent
