#!/usr/bin/env bash
# Drives the real bosun binary on the simulated foundation inside tmux and
# renders each screen to a PNG in screenshots/ with freeze (built from the
# tools module, kept out of bosun's own go.mod).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "screenshots need tmux (apt-get install tmux)"; exit 1; }
[ -x bin/freeze ] || (cd tools && go build -o ../bin/freeze github.com/charmbracelet/freeze)

work=$(mktemp -d)
session="bosun-shots-$$"
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache" XDG_STATE_HOME="$work/state"

# wait_for TEXT: poll the pane until TEXT shows (at most 30 s).
wait_for() {
  for _ in $(seq 1 300); do
    tmux capture-pane -t "$session" -p | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  tmux capture-pane -t "$session" -p >&2
  return 1
}

# wait_gone TEXT: poll the pane until TEXT is gone (at most 30 s).
wait_gone() {
  for _ in $(seq 1 300); do
    tmux capture-pane -t "$session" -p | grep -qF -- "$1" || return 0
    sleep 0.1
  done
  echo "timed out waiting for the end of: $1" >&2
  return 1
}

# shot NAME: capture the pane with colours and render it.
shot() {
  tmux capture-pane -t "$session" -e -p > "$work/$1.ansi"
  bin/freeze --language ansi --window=false --padding 20 --margin 0 \
    --font.size 14 -o "screenshots/$1.png" "$work/$1.ansi" >/dev/null
  echo "screenshots/$1.png"
}

cluster=$(bin/bosun --demo deployments --json | grep -o '"service-instance_[^"]*"' | tail -1 | tr -d '"')

tmux new-session -d -s "$session" -x 120 -y 35 "bin/bosun --demo --refresh 1h --details-refresh 1h"
wait_for "running"
wait_for "live"
wait_gone "fetching details"
shot deployments

tmux send-keys -t "$session" ":instances $cluster" Enter
wait_for "master/"
wait_gone "fetching details"
shot instances

tmux send-keys -t "$session" Enter
wait_for "PROCESS"
shot processes
tmux send-keys -t "$session" Escape

tmux send-keys -t "$session" ":instances" Enter
wait_for "all instances"
wait_gone "fetching details"
shot all-instances
tmux send-keys -t "$session" q

# start: a fresh bosun --demo at 120x35, waiting until its details are in.
start() {
  tmux kill-session -t "$session" 2>/dev/null || true
  tmux new-session -d -s "$session" -x 120 -y 35 "bin/bosun --demo --refresh 1h --details-refresh 1h"
  wait_for "live"
  wait_gone "fetching details"
}

# Cloud-check of the drifted cluster, and the confirmation of its plan.
start
tmux send-keys -t "$session" j j j c
wait_for "last scan"
shot cloud-check
tmux send-keys -t "$session" a
wait_for "cloud-check --"
shot cloud-check-confirm
tmux send-keys -t "$session" n

# Clusters from the PKS API, etcd health and pod usage.
start
tmux send-keys -t "$session" ":clusters" Enter
wait_for "LAST ACTION"
wait_for "platform-prod"
shot clusters
tmux send-keys -t "$session" j j j j e
wait_for "UNHEALTHY"
shot etcd
tmux send-keys -t "$session" Escape
sleep 0.5
tmux send-keys -t "$session" u
wait_for "watermark"
shot usage

# A log bundle of the failing worker, opened at its kubelet errors.
start
tmux send-keys -t "$session" G Enter
wait_for "failing"
tmux send-keys -t "$session" "/failing" Enter l
wait_for "kubelet"
tmux send-keys -t "$session" "/kubelet.stderr" Enter Enter
wait_for "line 1 of"
tmux send-keys -t "$session" "/back-off" Enter
wait_for "▶"
shot log-viewer
# The bundle index (kept in the demo's cache), with the one just fetched and listed.
tmux send-keys -t "$session" ":logs" Enter
wait_for "present"
shot log-bundles

# kube-apiserver audit flags of a 3-master cluster: confirmation, then the roll.
start
tmux send-keys -t "$session" Down Down Enter
wait_for "master/"
tmux send-keys -t "$session" A
wait_for "level for enable"
tmux send-keys -t "$session" v e
wait_for "[y/N]"
shot audit-confirm
tmux send-keys -t "$session" y
wait_for "last roll:"
wait_for "history:"
shot audit
# Every action bosun ran or refused, with its equivalent command.
tmux send-keys -t "$session" ":history" Enter
wait_for "audit enable"
shot history

# Recreate of the failing instance: the confirmation, then the new VM.
failing=$(bin/bosun --demo instances --json | tr -d ' \n' | grep -o '"deployment":"[^"]*","instance":"[^"]*","index":[0-9]*,"process_state":"failing"' | head -1)
failing_dep=$(echo "$failing" | sed 's/^"deployment":"\([^"]*\)".*/\1/')
start
tmux send-keys -t "$session" ":instances $failing_dep" Enter
wait_for "worker/"
wait_gone "fetching details"
tmux send-keys -t "$session" / f a i l i n g Enter
tmux send-keys -t "$session" V
wait_for "(default: No)"
shot recreate-confirm
tmux send-keys -t "$session" y
wait_for "BEFORE"
shot recreate-done

# The director's tasks, a running task's output followed, and its activity.
tmux send-keys -t "$session" ":tasks" Enter
wait_for "processing"
shot tasks
tmux send-keys -t "$session" Enter
wait_for "Preparing deployment"
shot task-output
tmux send-keys -t "$session" ":activity" Enter
wait_for "ACTION"
shot activity

# Kubernetes events from the clusters' sinks.
start
tmux send-keys -t "$session" ":events" Enter
wait_for "crash-loop"
sleep 2
shot events

# The same foundation at 80x24, the smallest terminal bosun is made for.
tmux kill-session -t "$session" 2>/dev/null || true
tmux new-session -d -s "$session" -x 80 -y 24 "bin/bosun --demo --refresh 1h --details-refresh 1h"
wait_for "live"
wait_gone "fetching details"
shot deployments-80x24
tmux send-keys -t "$session" q
