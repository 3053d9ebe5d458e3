# Sourced by tools/*.sh: shared settings for the set-up scripts.
# SPDX-License-Identifier: LGPL-2.1-or-later
LUCID_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${LUCID_MODELS_DIR:=${XDG_CACHE_HOME:-$HOME/.cache}/lucid/models}"
export LUCID_MODELS_DIR
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
