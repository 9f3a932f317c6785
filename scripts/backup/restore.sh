#!/usr/bin/env bash
# Restores a dump made by backup.sh into an EMPTY database (it refuses one that already has
# the service's tables), in one transaction: it all lands or nothing does.
#
#   TARGET_DATABASE_URL=postgresql://.../users_restored scripts/backup/restore.sh <file.dump>
#
# Then start the service on it (or run `npm run migration:run`): migrations report nothing
# to do when the dump came from the same release. docs/operations.md, "Backup and restore".
set -euo pipefail
: "${TARGET_DATABASE_URL:?TARGET_DATABASE_URL is required}"
file="${1:?usage: restore.sh <file.dump>}"
[[ -f "$file" ]] || { echo "restore.sh: no such file: $file" >&2; exit 2; }
bin() {
  command -v "$1" 2>/dev/null || find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path "*/bin/$1" 2>/dev/null | sort -V | tail -n 1
}
PSQL="$(bin psql)"
PG_RESTORE="$(bin pg_restore)"
[[ -x "$PSQL" && -x "$PG_RESTORE" ]] || { echo "restore.sh: psql and pg_restore are required" >&2; exit 1; }

tables=$("$PSQL" "$TARGET_DATABASE_URL" -XAtqc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [[ "$tables" != 0 ]]; then
  echo "restore.sh: the target database is not empty ($tables tables); restore into a new one" >&2
  exit 3
fi
start=$(date +%s)
"$PG_RESTORE" --no-owner --no-privileges --exit-on-error --single-transaction --dbname "$TARGET_DATABASE_URL" "$file"
echo "restore.sh: restored $file in $(($(date +%s) - start)) s"
