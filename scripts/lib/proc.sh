# shellcheck shell=bash
# Process helpers shared by scripts/kafka/kafka.sh and scripts/test-env/*.sh (sourced).

# True while process $1 runs. Unlike a signal-0 probe, false for a zombie: a
# dead child not yet reaped, or an orphan whose PID 1 does not reap promptly.
# shellcheck disable=SC2317  # also called from traps
alive() {
  local line st
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
  line=${line##*) }
  st=${line%% *}
  [[ "$st" != Z && "$st" != X ]]
}
