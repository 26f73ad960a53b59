# Faro as a static binary on a minimal image. The embedded store, the demo
# knowledge base and the widget are inside the binary; data lives in /data.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# modernc.org/sqlite is pure Go, so the binary needs no C library.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/faro ./cmd/faro \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/faro /usr/local/bin/faro
# The image has no shell to mkdir with: bring /data owned by the nonroot user,
# so a fresh named volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
ENV FARO_ADDR=:8080 \
    FARO_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/usr/local/bin/faro"]
CMD ["serve"]
