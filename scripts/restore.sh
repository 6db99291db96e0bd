#!/usr/bin/env bash
# make restore FILE=backups/organ_portal-....tar.gz [FORCE=1]
#
# Restores an archive of scripts/backup.sh: the database (pg_restore into DATABASE_URL, or the SQLite file) and
# MEDIA_ROOT. Checks the archive first (manifest, checksums, the same kind of database). A database that already
# holds tables, or a MEDIA_ROOT that holds files, is only replaced with FORCE=1; without it nothing is changed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/backup_env.sh"

FILE="${1:-${FILE:-}}"
FORCE="${FORCE:-0}"
fail() { echo "恢复失败：$*" >&2; exit 1; }
[ -n "$FILE" ] || fail "请指定备份文件：make restore FILE=backups/organ_portal-YYYYmmdd-HHMMSS.tar.gz"
[ -f "$FILE" ] || fail "备份文件不存在：$FILE"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/organ_portal-restore.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
tar -C "$WORK" -xzf "$FILE" 2>/dev/null || fail "无法解开备份文件（不是本系统的备份，或已损坏）：$FILE"

# The archive: a manifest of this format, every part present with its checksum, the same kind of database.
DB_FILE="$("$PYTHON" - "$WORK" "$DB_ENGINE" <<'PY'
import hashlib, json, sys
from pathlib import Path

work, engine = Path(sys.argv[1]), sys.argv[2]
try:
    manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "organ_portal-backup/1"
except (OSError, ValueError, KeyError, AssertionError):
    sys.exit("恢复失败：备份文件缺少有效的清单（manifest.json）。")
for part in manifest["parts"].values():
    path = work / part["name"]
    if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != part["sha256"]:
        sys.exit(f"恢复失败：备份中的 {part['name']} 缺失或校验不符，备份已损坏。")
if manifest["engine"] != engine:
    sys.exit(f"恢复失败：备份来自 {manifest['engine']} 数据库，当前配置的是 {engine}，不能直接恢复。")
print(manifest["parts"]["database"]["name"])
PY
)" || exit 1

# What is there now: a database with tables, a MEDIA_ROOT with files.
if [ "$DB_ENGINE" = postgresql ]; then
  TABLES="$(psql --no-psqlrc -tA --dbname="$DB_URI" -c \
    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")" \
    || fail "无法连接数据库 $DB_LABEL（请先创建空数据库）。"
else
  TABLES=0
  if [ -s "$SQLITE_PATH" ]; then
    TABLES="$("$PYTHON" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM sqlite_master WHERE type='table'\").fetchone()[0])" "$SQLITE_PATH")"
  fi
fi
MEDIA_FILES=0
[ -d "$MEDIA_DIR" ] && MEDIA_FILES="$(find "$MEDIA_DIR" -type f | wc -l)"
if [ "$FORCE" != 1 ] && { [ "$TABLES" -gt 0 ] || [ "$MEDIA_FILES" -gt 0 ]; }; then
  fail "数据库 $DB_LABEL 已有 $TABLES 张表、$MEDIA_DIR 已有 $MEDIA_FILES 个文件；恢复会覆盖现有数据。确认覆盖请加 FORCE=1（make restore FILE=... FORCE=1）。未做任何修改。"
fi

# The database.
if [ "$DB_ENGINE" = postgresql ]; then
  if [ "$TABLES" -gt 0 ]; then  # FORCE: the backup replaces everything, including tables it does not have
    psql --no-psqlrc -q -v ON_ERROR_STOP=1 --dbname="$DB_URI" \
      -c "SET client_min_messages = warning" -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public"
  fi
  pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DB_URI" "$WORK/$DB_FILE"
else
  mkdir -p "$(dirname "$SQLITE_PATH")"
  cp "$WORK/$DB_FILE" "$SQLITE_PATH.restoring"
  rm -f "$SQLITE_PATH-wal" "$SQLITE_PATH-shm" "$SQLITE_PATH-journal"
  mv "$SQLITE_PATH.restoring" "$SQLITE_PATH"  # one rename: the old file or the restored one, never half of each
fi

# The files: unpacked beside MEDIA_ROOT, then swapped in.
mkdir -p "$(dirname "$MEDIA_DIR")"
NEW_MEDIA="$(mktemp -d "$MEDIA_DIR.restoring.XXXXXX")"
tar -C "$NEW_MEDIA" -xf "$WORK/media.tar"
chmod 755 "$NEW_MEDIA"
if [ -e "$MEDIA_DIR" ]; then
  OLD_MEDIA="$MEDIA_DIR.replaced.$$"
  mv "$MEDIA_DIR" "$OLD_MEDIA"
  mv "$NEW_MEDIA" "$MEDIA_DIR"
  rm -rf "$OLD_MEDIA"
else
  mv "$NEW_MEDIA" "$MEDIA_DIR"
fi

echo "恢复完成：数据库 $DB_LABEL、证明材料目录 $MEDIA_DIR 已按 $FILE 恢复。" >&2
