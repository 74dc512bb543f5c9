#!/bin/sh
# As the official image does: reachable from other containers (all addresses, no protected mode)
# whatever options a compose file or test adds after `redis-server`.
if [ "${1:-}" = redis-server ]; then
  shift
  exec redis-server --bind 0.0.0.0 --protected-mode no "$@"
fi
exec "$@"
