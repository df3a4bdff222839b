#!/usr/bin/env bash
# Brings what the system tests need: a real OpenSSH sshd and client, sudo
# (the stand-in masters are edited through it) and netcat-openbsd. As root
# with apt it installs what is missing; otherwise it says which tests will
# be skipped (BOSUN_REQUIRE_SYSTEM_TESTS=1, set by .ci/run, makes such a
# skip a failure instead).
set -u
need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v sudo >/dev/null 2>&1 || need+=(sudo)
command -v nc >/dev/null 2>&1 || need+=(netcat-openbsd)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "make test: installing ${need[*]} for the real-sshd tests (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq "${need[@]}"; } >/dev/null 2>&1; then
    echo "make test: could not install ${need[*]}; the tests that need them will be skipped"
  fi
else
  echo "make test: ${need[*]} not installed and not root with apt: the real-sshd tests will be skipped (install them to run those)"
fi
exit 0
