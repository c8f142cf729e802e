# syntax=docker/dockerfile:1.7
# The `cartographus` server image, for linux/amd64 and linux/arm64:
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t cartographus:latest .
#
# Three stages: the web UI is built once with Node (on the build machine's platform),
# the server is cross-compiled with Rust on the build machine's platform for the target
# platform (no QEMU emulation: the bundled DuckDB engine is C++ and takes ~20 minutes
# natively, many hours emulated), and the runtime stage is a slim Debian with the
# binary, CA certificates and a non-root user. See docs/DEPLOYMENT.md.

ARG RUST_VERSION=1.95
ARG NODE_VERSION=20
ARG DEBIAN_RELEASE=bookworm

# --- web UI ------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# --- server ------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS build
ARG TARGETARCH
# The Rust target and the GNU triple of the platform being built for; a cross C/C++
# toolchain when it is not the build machine's own (DuckDB, SQLite and ring compile C
# and C++ through the `cc` crate, which reads CC_<target>/CXX_<target>).
RUN set -eu; \
    case "$TARGETARCH" in \
      amd64) target=x86_64-unknown-linux-gnu; gnu=x86_64-linux-gnu; pkg=x86-64-linux-gnu ;; \
      arm64) target=aarch64-unknown-linux-gnu; gnu=aarch64-linux-gnu; pkg=aarch64-linux-gnu ;; \
      *) echo "unsupported platform: $TARGETARCH (linux/amd64 and linux/arm64 are)" >&2; exit 1 ;; \
    esac; \
    if [ "$(dpkg --print-architecture)" != "$TARGETARCH" ]; then \
      apt-get update; \
      apt-get install -y --no-install-recommends "gcc-$pkg" "g++-$pkg" "libc6-dev-$TARGETARCH-cross"; \
      rm -rf /var/lib/apt/lists/*; \
    fi; \
    rustup target add "$target"; \
    echo "$target" > /rust-target; echo "$gnu" > /gnu-triple
WORKDIR /src
COPY . .
COPY --from=web /src/web/dist web/dist
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,id=cartographus-target-${TARGETARCH} \
    set -eu; \
    target="$(cat /rust-target)"; gnu="$(cat /gnu-triple)"; \
    t="$(echo "$target" | tr 'a-z-' 'A-Z_')"; u="$(echo "$target" | tr '-' '_')"; \
    export "CC_$u=$gnu-gcc" "CXX_$u=$gnu-g++" "AR_$u=$gnu-ar" "CARGO_TARGET_${t}_LINKER=$gnu-gcc"; \
    cargo build --locked --release -p cartographus-server --bin cartographus --target "$target"; \
    install -D "target/$target/release/cartographus" /out/cartographus

# --- runtime -----------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim
RUN set -eu; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates wget; \
    rm -rf /var/lib/apt/lists/*; \
    useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin cartographus; \
    mkdir -p /data; chown cartographus:cartographus /data
COPY --from=build /out/cartographus /usr/local/bin/cartographus
USER cartographus
WORKDIR /data
# Listen on every interface inside the container; publish the port on the host's
# loopback (see docker-compose.yml) and put a TLS reverse proxy in front.
ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=3857 \
    DUCKDB_PATH=/data/cartographus.duckdb \
    BACKUP_DIR=/data/backups \
    WAL_PATH=/data/cartographus.wal
VOLUME ["/data"]
EXPOSE 3857
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD wget -q -O /dev/null http://127.0.0.1:3857/api/v1/health || exit 1
# SIGTERM (docker stop) shuts the server down gracefully, flushing pending writes.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/cartographus"]
CMD ["serve"]
