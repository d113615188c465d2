#!/usr/bin/env bash
# Serve TeamHub with demo data, a Celery worker and beat on the embedded broker.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
export TEAMHUB_DEMO="${TEAMHUB_DEMO:-1}"
PY=.venv/bin/python
mkdir -p var
$PY manage.py migrate --no-input
$PY manage.py seed_demo --if-empty
celery_pid=""
cleanup() { [ -n "$celery_pid" ] && kill "$celery_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
.venv/bin/celery -A teamhub worker --beat --loglevel=INFO --concurrency=2 \
  --schedule var/celerybeat-schedule >var/celery.log 2>&1 &
celery_pid=$!
cat <<'TXT'

  TeamHub is starting on http://127.0.0.1:8000
  Celery worker + beat log: var/celery.log

  Demo logins (password for all: teamhub-demo)
    manager      staffs projects, searches skills, imports spreadsheets
    scientist    a data scientist: edits own skills and learning goals
    stakeholder  a business stakeholder
    admin        everything, plus /admin/

TXT
$PY manage.py runserver 127.0.0.1:8000
