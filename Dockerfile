# A conventional two-stage image; see docs/production.md (not built on the machine that wrote it).
# Build stage: the toolchain compiles better-sqlite3 if no prebuilt binary fits.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY views ./views
COPY public ./public
COPY tsconfig.json ./

# Runtime stage: no compiler, no npm cache, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATABASE_URL=file:/app/data/app.db
WORKDIR /app
COPY --from=build --chown=node:node /app ./
RUN mkdir -p /app/data && chown node:node /app/data && chmod 0700 /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# The image has no curl: node asks /healthz itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "src/server.ts"]
