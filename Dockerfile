# pmhub's image: the Python app plus its front-end libraries, static files collected at build time.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/copy_vendor.mjs scripts/
RUN npm ci --no-audit --no-fund && node scripts/copy_vendor.mjs

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=pmhub.settings.production
WORKDIR /app
COPY pyproject.toml README.md ./
COPY pmhub pmhub
COPY metrics metrics
COPY roadmaps roadmaps
COPY backlog backlog
COPY stakeholders stakeholders
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /app/static/vendor static/vendor
# collectstatic needs a key to import settings; the real one comes from the environment at run time.
RUN SECRET_KEY=build-only python manage.py collectstatic --no-input
RUN useradd --create-home pmhub && chown -R pmhub /app
USER pmhub
EXPOSE 8000
CMD ["gunicorn", "pmhub.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
