# newsfeed as a container: `docker compose up` (see docker-compose.yml and the README).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEWSFEED_HOST=0.0.0.0 \
    NEWSFEED_PORT=8080 \
    NEWSFEED_DB=/data/newsfeed.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /data newsfeed \
    && mkdir -p /data \
    && chown newsfeed /data

USER newsfeed
VOLUME /data
EXPOSE 8080
# Ready and healthy when /healthz answers 200 (the database answers).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('NEWSFEED_PORT', '8080') + '/healthz', timeout=2)"]
# SIGTERM: workers finish requests in progress and flush hit counts, then exit.
STOPSIGNAL SIGTERM
CMD ["newsfeed", "serve"]
