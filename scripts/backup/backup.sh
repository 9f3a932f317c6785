#!/usr/bin/env bash
# From a checkout: the chart's backup script (helm/user-service/files/backup.sh), the one
# file the backup CronJob runs, so what the restore drill tests is what production runs.
#   DATABASE_URL=postgresql://... BACKUP_DIR=/backups [BACKUP_KEEP=7] scripts/backup/backup.sh
exec sh "$(dirname "$0")/../../helm/user-service/files/backup.sh" "$@"
