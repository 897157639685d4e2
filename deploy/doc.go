// Package deploy holds no Go code: the Dockerfile, the Kubernetes manifests
// and the Temporal configuration and search-attribute script of production.
// Its tests check them and temporal-compose.yaml against the code (the
// settings the config reads, the attributes the worker registers).
package deploy
