"""gunicorn configuration for beteiligung (`gunicorn -c deploy/gunicorn.conf.py`).

Everything can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS, ...). The app reads its own
settings (SECRET_KEY, BETEILIGUNG_DATABASE_URL, TRUSTED_PROXIES, ...) from the environment, see README.
"""

import multiprocessing
import os

wsgi_app = "beteiligung:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory of long-running PDF/network jobs).
max_requests = 2000
max_requests_jitter = 200
# Logs to stdout/stderr (journald or the container runtime collects them); tokens in survey links are
# redacted by a filter on gunicorn.access (views/befragungen/umfrage.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s'
# The client address comes from X-Forwarded-For via the app's ProxyFix (TRUSTED_PROXIES), not from gunicorn.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Migrations run once per release (`flask --app beteiligung db upgrade`), never on every server start.
preload_app = False
