#!/bin/bash
# The container's health check: exit 0 when GET /healthz on 127.0.0.1:PORT
# answers 200 within 2 s, 1 otherwise. Usage: streamopt-healthcheck [PORT]
# (default 8080). It uses bash's /dev/tcp, so the image needs no curl or wget.
port="${1:-8080}"
case "$port" in
  '' | *[!0-9]*) echo "streamopt-healthcheck: port '$port' is not a number" >&2; exit 2 ;;
esac
if ! { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
  echo "streamopt-healthcheck: nothing listens on 127.0.0.1:$port" >&2
  exit 1
fi
printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$port" >&3
status=""
IFS= read -r -t 2 status <&3 || true
exec 3<&-
status="${status%$'\r'}"
case "$status" in
  'HTTP/1.1 200 '* | 'HTTP/1.0 200 '*) exit 0 ;;
esac
echo "streamopt-healthcheck: GET /healthz on 127.0.0.1:$port answered '${status:-nothing}'" >&2
exit 1
