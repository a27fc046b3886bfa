FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY tracklake tracklake
COPY tracker tracker
COPY api api
COPY jql jql
COPY pipelines pipelines
COPY warehouse warehouse
COPY reports reports
COPY migrations migrations
RUN pip install --no-cache-dir .
ENV TRACKLAKE_HOST=0.0.0.0 TRACKLAKE_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
CMD ["tracklake", "serve"]
