# syntax=docker/dockerfile:1
#
# organ_portal production image: Django served by gunicorn, static files by whitenoise.
# One image runs every role; docker-compose.yml picks the command (web, worker, beat, seed).
#
#   docker build -t organ-portal .
#
# Everything the portal needs at run time is inside the image (vendored static assets
# included), so it can be built once and carried to an intranet with no internet access.

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. Every pinned package
# (psycopg2-binary, pillow, …) ships a manylinux wheel: no compiler is needed.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Collect and fingerprint static files for whitenoise (DEBUG off selects the
# compressed manifest storage). Settings refuse to load without a secret key, so the
# build uses a throwaway one; the real key comes from the environment at run time.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=build-only-dummy-key-never-used-at-run-time-0123456789 \
    python manage.py collectstatic --noinput

# Run as an unprivileged user. The code and static files stay root-owned (read-only
# for the app); only the media folder, mounted as a volume in compose, is writable.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home portal \
    && mkdir -p /app/media \
    && chown portal:portal /app/media
USER portal

ENV DJANGO_MEDIA_ROOT=/app/media
EXPOSE 8000

# `sh …` rather than relying on the script's exec bit (lost on some checkouts).
ENTRYPOINT ["sh", "/app/docker/entrypoint.sh"]
CMD ["gunicorn", "organ_portal.wsgi:application", "--config", "/app/docker/gunicorn.conf.py"]
