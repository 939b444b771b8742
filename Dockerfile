# syntax=docker/dockerfile:1
# marketlens: one image for the API (`marketlens serve --no-worker`) and the workers
# (`marketlens worker`). Build from the repository root:
#   docker build --build-arg MARKETLENS_GIT_SHA=$(git rev-parse HEAD) -t marketlens .

# ---- build: release binary on the official Rust image (same toolchain as CI) ----
FROM rust:1.95-slim-trixie AS build
WORKDIR /src
COPY . .
# .git is not in the build context (.dockerignore): the commit recorded in every result
# comes from this argument instead ("unknown" when left out).
ARG MARKETLENS_GIT_SHA=unknown
ENV MARKETLENS_GIT_SHA=${MARKETLENS_GIT_SHA}
# Cache mounts keep the registry and target directory between builds; the binary is
# copied out of the cached target dir in the same step. SQLite is compiled in, TLS is
# rustls/ring: no system library to install here or at runtime.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin marketlens \
 && install -D -m 0755 target/release/marketlens /out/marketlens

# ---- runtime: slim Debian, non-root, the binary only ----
FROM debian:trixie-slim
# CA roots for HTTPS to S3 and live shop sources (rustls reads the system store).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/marketlens --create-home marketlens
COPY --from=build /out/marketlens /usr/local/bin/marketlens
USER 10001:10001
WORKDIR /var/lib/marketlens
# The sample catalogue and the built-in agent config are compiled into the binary.
# The data directory holds only embedded-backend files (SQLite, local reports, imported
# rates); with PostgreSQL/Redis/S3 configured nothing there needs to persist.
ENV MARKETLENS_DATA_DIR=/var/lib/marketlens/data \
    MARKETLENS_BIND=0.0.0.0:8080 \
    MARKETLENS_LOG_FORMAT=json
EXPOSE 8080 9091
ENTRYPOINT ["/usr/local/bin/marketlens"]
CMD ["serve", "--no-worker"]
