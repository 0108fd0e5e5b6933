# Multi-stage build: compile with the Swift toolchain, run on slim Debian as a non-root user.
FROM swift:6.1-bookworm AS build
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends libsodium-dev libssl-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product coffer --static-swift-stdlib \
 && cp "$(swift build -c release --show-bin-path)/coffer" /coffer

FROM debian:bookworm-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends libsodium23 libsqlite3-0 libssl3 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/coffer --create-home coffer \
 && mkdir -p /etc/coffer && chown coffer /etc/coffer
COPY --from=build /coffer /usr/local/bin/coffer
RUN ln -s /usr/local/bin/coffer /usr/local/bin/vault
COPY config/coffer.hcl /etc/coffer/coffer.hcl
USER coffer
WORKDIR /var/lib/coffer
ENV VAULT_ADDR=http://127.0.0.1:8200
EXPOSE 8200
# Dev mode listens on all interfaces inside the container; for a real server mount a config:
#   docker run -v $PWD/server.hcl:/etc/coffer/server.hcl coffer server -config=/etc/coffer/server.hcl
ENTRYPOINT ["coffer"]
CMD ["server", "-dev", "-dev-listen-address=0.0.0.0:8200"]
