# ledgerd (and ledgerctl) in a small non-root image.
#
#   docker build -t nordledger/ledgerd .
#   docker run -p 8080:8080 -v ledgerd-data:/data nordledger/ledgerd
#
# Build: static binaries (CGO_ENABLED=0, -trimpath) from golang:1.26.10. Runtime: distroless
# static (CA certificates and tzdata, no shell, no package manager) as user nonroot (65532).
#
# No HEALTHCHECK: distroless has no shell, curl or wget to run one, and ledgerd has no probe
# command yet (a `ledgerctl health` could offer one later). Probe GET /healthz (alive) and
# GET /readyz (503 until caught up) from outside: the orchestrator's HTTP probe, or a compose
# healthcheck once the image carries a probe binary. See docs/operations.md.

FROM golang:1.26.10 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV CGO_ENABLED=0
RUN go build -trimpath -ldflags='-s -w' -o /out/ledgerd ./cmd/ledgerd \
 && go build -trimpath -ldflags='-s -w' -o /out/ledgerctl ./cmd/ledgerctl \
 && mkdir -m 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ledgerd /out/ledgerctl /usr/local/bin/
# The data dir exists in the image owned by nonroot, so a new named volume mounted on it is too.
COPY --from=build --chown=65532:65532 /out/data /data
ENV LEDGERD_HTTP_ADDR=:8080 \
    LEDGERD_DATA_DIR=/data
USER 65532:65532
# From /, `ledgerctl token` finds the secret at its default data/jwt-secret (= /data/jwt-secret).
WORKDIR /
EXPOSE 8080
VOLUME /data
ENTRYPOINT ["/usr/local/bin/ledgerd"]
