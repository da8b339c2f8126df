// Package deploy checks the deployment files at the repository's root: docker-compose.yml (the
// replica topology: a three-node NATS JetStream cluster, one ledgerd writer, two readers), the
// Dockerfile, and the NATS configuration in deploy/nats. Docker does not run in CI, so its tests
// parse the files and assert their structure: every LEDGERD_* setting they name is one ledgerd
// knows, the NATS nodes form one cluster, the roles and shared secrets are wired as
// docs/operations.md describes.
//
// The package has no code of its own.
package deploy
