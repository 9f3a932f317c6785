#!/bin/sh
# Backs up the service's database: one pg_dump in custom format (compressed, restorable
# table by table with pg_restore), then keeps only the newest BACKUP_KEEP dumps.
#
#   DATABASE_URL=postgresql://... BACKUP_DIR=/backups [BACKUP_KEEP=7] backup.sh
#
# POSIX sh: the chart's backup CronJob runs this very file in a postgres image
# (backup.enabled); scripts/backup/backup.sh runs it from a checkout, and the restore drill
# (test/e2e/backup-restore.e2e-spec.ts) tests it. Prints the file it wrote.
set -eu
: "${DATABASE_URL:?DATABASE_URL is required}"
: "${BACKUP_DIR:?BACKUP_DIR is required}"
KEEP="${BACKUP_KEEP:-7}"
case "$KEEP" in '' | *[!0-9]* | 0*) echo "backup.sh: BACKUP_KEEP must be a positive integer" >&2; exit 2 ;; esac
PG_DUMP="$(command -v pg_dump || true)"
[ -n "$PG_DUMP" ] || PG_DUMP="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/pg_dump' 2>/dev/null | sort | tail -n 1)"
[ -x "$PG_DUMP" ] || { echo "backup.sh: pg_dump not found" >&2; exit 1; }

mkdir -p "$BACKUP_DIR"
name="user-service-$(date -u +%Y%m%dT%H%M%SZ).dump"
# Written under a temporary name and renamed when complete: a crash never leaves a partial
# dump that looks like a backup, and retention never counts one.
"$PG_DUMP" --format=custom --no-owner --no-privileges --file "$BACKUP_DIR/.$name.partial" "$DATABASE_URL"
mv "$BACKUP_DIR/.$name.partial" "$BACKUP_DIR/$name"
ls -1 "$BACKUP_DIR" | grep '^user-service-.*\.dump$' | sort -r | tail -n +"$((KEEP + 1))" |
  while read -r old; do rm -f -- "$BACKUP_DIR/$old"; done
echo "$BACKUP_DIR/$name"
