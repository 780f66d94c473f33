# Sourced by scripts/up and scripts/down (needs $RUN): the settings `make up` ran with,
# kept in $RUN/env as export lines. A later `make up` from a shell that does not set
# them runs with the same (a plain `make up` after `KAFKA_PORT=39092 make up` started a
# second, empty broker and moved the services); `make down` stops what was started;
# `. .run/env` gives a new shell the same for the command-line tools.

RUN_ENV_VARS=(KAFKA_PORT KAFKA_CONTROLLER_PORT KAFKA_STATE_DIR THUOCDO_DATA_DIR THUOCDO_INTAKE_PORT
  THUOCDO_SCORING_PORT THUOCDO_DASHBOARD_PORT)

# saved_setting NAME: NAME's value in $RUN/env ("" when none is kept).
saved_setting() {
  [ -f "$RUN/env" ] || return 0
  (unset "$1"; . "$RUN/env" >/dev/null 2>&1; printf '%s' "${!1-}")
}

# What follows from RUN_ENV_VARS; kept too, for `. .run/env`, but never taken back.
RUN_ENV_DERIVED=(KAFKA_BOOTSTRAP_SERVERS THUOCDO_INTAKE_URL THUOCDO_SCORING_URL)

# migrate_settings: an older `make up` kept only the broker's port, in $RUN/kafka-port.
migrate_settings() {
  if [ ! -f "$RUN/env" ] && [ -s "$RUN/kafka-port" ]; then
    printf 'export KAFKA_PORT=%q\n' "$(cat "$RUN/kafka-port")" >"$RUN/env"
    rm -f "$RUN/kafka-port"
  fi
}

# keep_settings: each of RUN_ENV_VARS this shell leaves unset takes its kept value. A
# derived address this shell holds as kept (it ran `. .run/env`) is dropped, so that it
# follows the ports of this run, not those of the last.
keep_settings() {
  local name value
  for name in "${RUN_ENV_VARS[@]}"; do
    [ -n "${!name-}" ] && continue
    value=$(saved_setting "$name")
    if [ -n "$value" ]; then export "$name=$value"; fi
  done
  for name in "${RUN_ENV_DERIVED[@]}"; do
    if [ -n "${!name-}" ] && [ "${!name}" = "$(saved_setting "$name")" ]; then unset "$name"; fi
  done
}

# moved_broker: a message when this shell's broker (KAFKA_PORT, KAFKA_STATE_DIR) is not
# the one the store in $THUOCDO_DATA_DIR was filled from; nothing when it is, or when
# there is no store yet. A store read from two brokers mixes two histories.
moved_broker() {
  local was_port was_dir
  [ -f "$RUN/env" ] && [ -e "$THUOCDO_DATA_DIR/scoring.sqlite3" ] || return 0
  was_port=$(saved_setting KAFKA_PORT)
  was_dir=$(saved_setting KAFKA_STATE_DIR)
  if [ -n "$was_port" ] && [ "$was_port" != "$KAFKA_PORT" ]; then
    echo "KAFKA_PORT is $KAFKA_PORT, but the store in $THUOCDO_DATA_DIR was filled from the broker on $was_port ($RUN/env): run with KAFKA_PORT=$was_port, or make down and delete $THUOCDO_DATA_DIR and that broker's state to start afresh"
  elif [ "$was_dir" != "${KAFKA_STATE_DIR-}" ]; then
    echo "KAFKA_STATE_DIR is '${KAFKA_STATE_DIR-}', but the store in $THUOCDO_DATA_DIR was filled from the broker kept in '$was_dir' ($RUN/env): run with the same, or make down and delete $THUOCDO_DATA_DIR to start afresh"
  fi
}

# write_settings: $RUN/env from this shell's settings, and what follows from them.
write_settings() {
  local name
  {
    echo "# What \`make up\` ran with (scripts/run-env.sh); \`. .run/env\` gives a shell the same."
    for name in "${RUN_ENV_VARS[@]}" "${RUN_ENV_DERIVED[@]}"; do
      if [ -n "${!name-}" ]; then printf 'export %s=%q\n' "$name" "${!name}"; fi
    done
  } >"$RUN/env.tmp" && mv -f "$RUN/env.tmp" "$RUN/env"
}
