# pressmon daemon image. Build: docker build -t pressmon .
# Run:   docker run -v pressmon-data:/data -e SLACK_BOT_TOKEN=... pressmon
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PRESSMON_DATABASE_URL=sqlite:////data/pressmon.db \
    PRESSMON_CONFIG_FILE=/etc/pressmon/feeds.yaml

WORKDIR /src
COPY pyproject.toml README.md feeds.yaml ./
COPY monitor ./monitor
COPY migrations ./migrations
COPY alerts ./alerts
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --home-dir /data pressmon \
    && mkdir -p /data /etc/pressmon \
    && chown pressmon:pressmon /data
COPY feeds.yaml /etc/pressmon/feeds.yaml

USER pressmon
WORKDIR /data
VOLUME ["/data"]

HEALTHCHECK --interval=60s --timeout=10s --start-period=30s --retries=3 CMD ["pressmon", "health"]

STOPSIGNAL SIGTERM
CMD ["pressmon", "run"]
