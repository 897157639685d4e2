// Package archtest holds no code, only the test that reads the import graph
// (`go list -deps -json ./...`) and fails, naming the offending import, when
// an import points up the layers. It is tooling and imports nothing of the
// project; `make test` runs it with every other test.
package archtest
