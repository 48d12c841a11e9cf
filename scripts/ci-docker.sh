#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the tests that build and run model images. Idempotent:
# - installs Debian's docker.io when dockerd is missing;
# - when no daemon answers, starts dockerd in the background with settings that work inside a CI
#   container (vfs storage, no bridge network, no iptables) and waits up to 30 s for it.
# Where an engine already answers (a developer's machine, GitHub's runners) it does nothing.
# The base images the models' Dockerfiles start from are built by the test setup
# (ensureBaseImages in @mxn/testkit), offline, from this machine's Node.js and Python.
set -euo pipefail

log=/tmp/mxn-dockerd.log
answers() { docker info >/dev/null 2>&1; }

have_dockerd() { command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ]; }
if ! have_dockerd || ! command -v docker >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

answers && exit 0

# A dockerd that is still starting (its pid file names a live process) is waited for, not started twice.
running=false
if [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then running=true; fi
if [ "$running" = false ]; then
  dockerd_bin=$(command -v dockerd || echo /usr/sbin/dockerd)
  nohup "$dockerd_bin" --storage-driver=vfs --bridge=none --iptables=false >"$log" 2>&1 </dev/null &
  started=$!
fi

for _ in $(seq 1 60); do
  answers && exit 0
  if [ -n "${started:-}" ] && ! kill -0 "$started" 2>/dev/null; then
    echo "ci-docker: dockerd exited while starting (see $log: $(tail -n 1 "$log" 2>/dev/null || true))" >&2
    exit 1
  fi
  sleep 0.5
done
echo "ci-docker: no Docker engine answers 30 s after starting dockerd (see $log: $(tail -n 1 "$log" 2>/dev/null || true))" >&2
exit 1
