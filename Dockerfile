# The sitrep package, for docker-compose.yml: `sitrep replay|worker|topics|tail ...`.
FROM python:3.11.7-slim-bookworm
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY services ./services
RUN pip install --no-cache-dir .
COPY seeds ./seeds
RUN useradd --create-home sitrep && mkdir -p /var/lib/sitrep && chown sitrep /var/lib/sitrep
USER sitrep
# Build the gazetteer cache into the image: a fresh container would otherwise spend
# seconds building it on its first article.
RUN python -c "from sitrep.stages.extract.gazetteer import gazetteer; gazetteer()"
CMD ["sitrep", "--help"]
