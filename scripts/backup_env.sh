# Sourced by scripts/backup.sh and scripts/restore.sh: where the portal's data is, read exactly as the settings
# read it (the environment, then .env, then the demo defaults): the database of DATABASE_URL (SQLite db.sqlite3
# when unset) and MEDIA_ROOT (DJANGO_MEDIA_ROOT, default media/), where the evidence files are.
# Sets DB_ENGINE (postgresql | sqlite), DB_URI (libpq URI) or SQLITE_PATH, DB_LABEL (no password), MEDIA_DIR.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"

eval "$("$PYTHON" - "$ROOT" <<'PY'
import shlex, sys
from pathlib import Path

import environ

root = Path(sys.argv[1])
env = environ.Env()
environ.Env.read_env(root / ".env", overwrite=False)
url = env.str("DATABASE_URL", default=f"sqlite:///{root / 'db.sqlite3'}")
db = environ.Env.db_url_config(url)
media = Path(env.str("DJANGO_MEDIA_ROOT", default=str(root / "media"))).resolve()
out = {"MEDIA_DIR": str(media)}
if db["ENGINE"] == "django.db.backends.sqlite3":
    out.update(DB_ENGINE="sqlite", SQLITE_PATH=str(Path(db["NAME"]).resolve()), DB_LABEL=str(Path(db["NAME"]).name))
elif db["ENGINE"].startswith("django.db.backends.postgresql") or "postgis" in db["ENGINE"]:
    scheme, rest = url.split("://", 1)
    out.update(DB_ENGINE="postgresql", DB_URI="postgresql://" + rest, DB_LABEL=f"{db.get('HOST') or 'localhost'}/{db['NAME']}")
else:
    sys.exit(f"不支持的数据库类型：{db['ENGINE']}（仅支持 PostgreSQL 与 SQLite）")
for key, value in out.items():
    print(f"{key}={shlex.quote(value)}")
PY
)" || exit 1

sha256() { sha256sum "$1" | cut -d' ' -f1; }
