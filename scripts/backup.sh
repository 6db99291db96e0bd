#!/usr/bin/env bash
# make backup: one timestamped archive of everything the portal would lose with its disk.
#
#   backups/organ_portal-YYYYmmdd-HHMMSS.tar.gz   (BACKUP_DIR to put it elsewhere)
#     manifest.json      what is inside: when, which database, the checksum and size of each part
#     database.dump      PostgreSQL: pg_dump --format=custom of DATABASE_URL (restored with pg_restore)
#     database.sqlite3   SQLite (no DATABASE_URL): a consistent copy made with SQLite's online backup
#     media.tar          MEDIA_ROOT: the evidence files and every other upload
#
# Prints the archive's path. Nothing is changed in the database or in MEDIA_ROOT.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/backup_env.sh"

BACKUP_DIR="${BACKUP_DIR:-$ROOT/backups}"
STAMP="$(date +%Y%m%d-%H%M%S)"
mkdir -p "$BACKUP_DIR"
ARCHIVE="$BACKUP_DIR/organ_portal-$STAMP.tar.gz"
[ ! -e "$ARCHIVE" ] || { echo "备份文件已存在：$ARCHIVE（请稍后再试）" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/organ_portal-backup.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

if [ "$DB_ENGINE" = postgresql ]; then
  DB_FILE=database.dump
  pg_dump --format=custom --no-owner --no-privileges --file="$WORK/$DB_FILE" --dbname="$DB_URI"
else
  DB_FILE=database.sqlite3
  [ -f "$SQLITE_PATH" ] || { echo "数据库文件不存在：$SQLITE_PATH" >&2; exit 1; }
  "$PYTHON" - "$SQLITE_PATH" "$WORK/$DB_FILE" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)  # consistent even while the portal writes
source.close(); target.close()
PY
fi

if [ -d "$MEDIA_DIR" ]; then
  tar -C "$MEDIA_DIR" -cf "$WORK/media.tar" .
else
  tar -cf "$WORK/media.tar" -T /dev/null  # no uploads yet: an empty part, restored as an empty folder
fi
MEDIA_COUNT="$(tar -tf "$WORK/media.tar" | grep -cv '/$' || true)"

"$PYTHON" - "$WORK" "$DB_FILE" "$DB_ENGINE" "$DB_LABEL" "$MEDIA_COUNT" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" <<'PY'
import datetime as dt, hashlib, json, sys
from pathlib import Path

work, db_file, engine, label, media_count, revision = sys.argv[1:]
work = Path(work)

def part(name):
    data = hashlib.sha256()
    with (work / name).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            data.update(block)
    return {"name": name, "sha256": data.hexdigest(), "bytes": (work / name).stat().st_size}

manifest = {
    "format": "organ_portal-backup/1",
    "created_at": dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds"),
    "engine": engine,
    "database": label,
    "media_files": int(media_count),
    "code_revision": revision,
    "parts": {"database": part(db_file), "media": part("media.tar")},
}
(work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
PY

tar -C "$WORK" -czf "$ARCHIVE.partial" manifest.json "$DB_FILE" media.tar
mv "$ARCHIVE.partial" "$ARCHIVE"  # a backup that stopped half-way never looks like a finished one
chmod 600 "$ARCHIVE"
echo "备份完成：$ARCHIVE（数据库 $DB_LABEL，证明材料 $MEDIA_COUNT 个文件）" >&2
echo "$ARCHIVE"
