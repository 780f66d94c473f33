# Sourced by scripts/up, scripts/demo and scripts/down (needs $RUN): processes that
# outlive `make up`, each with its log in $RUN/NAME.log and its pid in $RUN/NAME.pid
# (scripts/down stops them).

# running NAME: whether NAME's recorded process is alive.
running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

# Over this size (20 MiB, as Compose's max-size 20m) at a start, a log is moved to
# NAME.log.1 (the one before dropped): appended across restarts, with an access line
# per rating and per page, it grew without end.
LOG_KEEP_BYTES=20971520

# start_background NAME COMMAND...: COMMAND in its own session, detached from this shell.
start_background() {
  local name=$1 log=$RUN/$1.log
  shift
  # (wc -c, not GNU stat -c: macOS too)
  if [ -f "$log" ] && [ "$(wc -c <"$log")" -gt "$LOG_KEEP_BYTES" ]; then
    mv -f "$log" "$log.1"
  fi
  # Appended, not overwritten: after a crash the log of the process that died is
  # what an operator needs; each start is marked.
  printf '=== %s: started by %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$0" >>"$RUN/$name.log"
  setsid nohup "$@" >>"$RUN/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}
