# The Health Entropy engine as a container image (used by docker-compose.yaml):
#   docker build -t health-entropy-engine .
#   docker run -v $PWD/deploy/engine/engine.yaml:/etc/health-entropy/engine.yaml:ro -p 9464:9464 health-entropy-engine
# Node 20, like .nvmrc. better-sqlite3 is compiled from source in the build stage (hence python3, make, g++).
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.node.json ./
COPY src ./src
COPY bin ./bin
RUN npx tsc -p tsconfig.node.json && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
COPY --from=build /app/bin ./bin
RUN mkdir -p /var/lib/health-entropy /etc/health-entropy && chown node:node /var/lib/health-entropy
USER node
VOLUME /var/lib/health-entropy
EXPOSE 9464
# /healthz answers while the process runs (/readyz once the state is restored and a first evaluation ran).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/health-entropy.js"]
CMD ["engine", "--config", "/etc/health-entropy/engine.yaml"]
