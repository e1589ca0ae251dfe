# The CDRi simulator as its own container (for the compose file): a real HTTP server speaking the modelled SOAP.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.dev.json ./
COPY src ./src
COPY bench ./bench
COPY scripts ./scripts
COPY tests/support ./tests/support
# scripts/ is compiled by the dev build (the production build is src/ only).
RUN npm run build:dev && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY config ./config
EXPOSE 9443
CMD ["node", "dist/scripts/cdri-simulator.js"]
