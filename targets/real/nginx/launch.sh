#!/bin/bash
# Starts nginx 1.22 as a WebSocket reverse proxy in front of lws-echo:
#
#   launch.sh --lws-echo PATH --port PORT --backend-port PORT2
#
# lws-echo listens on PORT2; once it accepts connections, nginx replaces this
# script (exec), in the foreground, listening on PORT and proxying every
# request to 127.0.0.1:PORT2 with the Upgrade and Connection headers passed on,
# as nginx's WebSocket proxying page shows it. Its configuration, pid file,
# logs and temp folders live in a fresh folder under TMPDIR (wsfault-nginx.*);
# nothing of nginx's own (/etc/nginx, /var/log/nginx, /run) is touched. After
# exec nothing is left to remove that folder, so each start removes those of
# earlier starts whose nginx is gone.
#
# Both processes stay in the process group wsfault gave this script: nginx
# is its direct child (so `signal` steps reach nginx) and lws-echo runs
# beside it, so the target file's stop signal reaches both, and SIGKILL to
# the group after the grace period ends both.
set -euo pipefail

lws_echo="" port="" backend=""
while [ $# -gt 0 ]; do
  case $1 in
    --lws-echo) lws_echo=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --backend-port) backend=$2; shift 2 ;;
    *) echo "launch.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$lws_echo" ] && [ -n "$port" ] && [ -n "$backend" ] || {
  echo "usage: launch.sh --lws-echo PATH --port PORT --backend-port PORT2" >&2
  exit 2
}

# owner.pid holds this script's pid, which nginx keeps after exec.
for old in "${TMPDIR:-/tmp}"/wsfault-nginx.*; do
  [ -f "$old/owner.pid" ] || continue
  kill -0 "$(cat "$old/owner.pid")" 2>/dev/null || rm -rf "$old"
done
dir=$(mktemp -d "${TMPDIR:-/tmp}/wsfault-nginx.XXXXXX")
echo $$ >"$dir/owner.pid"
mkdir -p "$dir/logs" "$dir/temp"
# nginx's workers run as nobody when the master is root: they must be able
# to reach the temp folders.
chmod 755 "$dir"

cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log stderr notice;

events {
    worker_connections 1024;
}

http {
    access_log off;
    client_body_temp_path $dir/temp/client_body;
    proxy_temp_path       $dir/temp/proxy;
    fastcgi_temp_path     $dir/temp/fastcgi;
    uwsgi_temp_path       $dir/temp/uwsgi;
    scgi_temp_path        $dir/temp/scgi;

    map \$http_upgrade \$connection_upgrade {
        default upgrade;
        ''      close;
    }

    server {
        listen 127.0.0.1:$port;

        location / {
            proxy_pass http://127.0.0.1:$backend;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$host;
            proxy_read_timeout 1h;
        }
    }
}
CONF

"$lws_echo" --port "$backend" &
# Wait (at most 5 s) until the backend accepts connections, so that nginx
# never answers 502 to the first scenario.
for _ in $(seq 500); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$backend") 2>/dev/null; then
    break
  fi
  sleep 0.01
done

echo "launch.sh: nginx on 127.0.0.1:$port, lws-echo on 127.0.0.1:$backend, files in $dir" >&2
exec nginx -p "$dir" -c "$dir/nginx.conf" -e stderr
