package archtest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/fanfare/fanfare"

// pkg is the part of `go list -json` the rules read. Imports holds the
// imports of the package's non-test files only: tests may reach up (an
// internal/ test runs the whole app through tooling/testenv).
type pkg struct {
	ImportPath string
	Standard   bool
	Imports    []string
	GoFiles    []string
}

// dep is an import: a project package by its module-relative path ("" is
// the module root), anything else by its import path.
type dep struct {
	path     string
	std, own bool
}

// rule forbids some imports of some project packages.
type rule struct {
	applies func(importer string) bool
	allowed func(imp dep) bool
	why     string
}

func under(p string, roots ...string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// The layers, top to bottom (docs/architecture.md draws them): cmd → app
// (the composition root) → api → the use cases (messaging, membership,
// perks, engagement) → notifier and the workflow clients → worker →
// workflows → activities → internal/* (leaf services) → models.
// Imports point down; tooling sits beside them.
var rules = []rule{{
	applies: func(p string) bool { return under(p, "workflows") },
	// activities: a workflow names the activities it runs (method values)
	// and builds their input types; uuid is the id type of models and of
	// those inputs.
	allowed: func(imp dep) bool {
		if imp.own {
			return under(imp.path, "workflows", "models", "internal/searchattr", "activities")
		}
		return imp.std || strings.HasPrefix(imp.path, "go.temporal.io/") || imp.path == "github.com/google/uuid"
	},
	why: "workflow code is deterministic and below every caller: it imports only models, internal/searchattr, " +
		"activities (activity references and their input types), the Temporal SDK, uuid and the standard library",
}, {
	applies: func(p string) bool { return under(p, "models") },
	allowed: func(imp dep) bool { return !imp.own || under(imp.path, "models") },
	why:     "models is the bottom layer and imports no other package of the project",
}, {
	// Also keeps internal/realtime off api, so the hub can be reused by
	// every feature without knowing the routes.
	applies: func(p string) bool { return under(p, "internal") },
	allowed: func(imp dep) bool {
		return !imp.own || !under(imp.path, "api", "worker", "workflows", "activities", "notifier", "app", "messaging", "membership", "perks", "engagement", "analytics")
	},
	why: "internal/ holds the leaf services; they never import api, worker, workflows, activities, notifier, " +
		"the use cases (messaging, membership, perks, engagement, analytics) or the composition root (app)",
}, {
	// The engagement engine's hot counters: stricter than the rule for all
	// of internal/ above, of the project only models and other services.
	applies: func(p string) bool { return under(p, "internal/counters") },
	allowed: func(imp dep) bool { return !imp.own || under(imp.path, "models", "internal") },
	why:     "internal/counters is a leaf service: of the project it imports models and other internal services only",
}, {
	applies: func(p string) bool { return under(p, "messaging", "membership", "perks", "engagement", "analytics") },
	allowed: func(imp dep) bool { return !imp.own || !under(imp.path, "api", "app") },
	why:     "the use cases (messaging, membership, perks, engagement, analytics) sit below api and app: a handler, a socket frame, the worker process or a test calls them",
}, {
	applies: func(p string) bool { return under(p, "internal/searchattr") },
	allowed: func(imp dep) bool { return imp.std || imp.path == "go.temporal.io/sdk/temporal" },
	why:     "internal/searchattr holds the pure search-attribute keys workflows import: only go.temporal.io/sdk/temporal",
}, {
	applies: func(p string) bool { return !under(p, "cmd", "tooling") },
	allowed: func(imp dep) bool { return !imp.own || !under(imp.path, "tooling") },
	why:     "tooling (test harness, load generators, demo data) is run by cmd/fanfare and by tests, never by the services",
}}

func own(p string) bool { return p == module || strings.HasPrefix(p, module+"/") }

func rel(p string) string {
	if p == module {
		return ""
	}
	return strings.TrimPrefix(p, module+"/")
}

// violations lists every import of a project package that breaks a rule.
func violations(pkgs []pkg) []string {
	std := map[string]bool{}
	for _, p := range pkgs {
		std[p.ImportPath] = p.Standard
	}
	var out []string
	for _, p := range pkgs {
		if !own(p.ImportPath) {
			continue
		}
		for _, r := range rules {
			if !r.applies(rel(p.ImportPath)) {
				continue
			}
			for _, imp := range p.Imports {
				d := dep{path: imp, std: std[imp], own: own(imp)}
				if d.own {
					d.path = rel(imp)
				}
				if !r.allowed(d) {
					out = append(out, p.ImportPath+" imports "+imp+": "+r.why)
				}
			}
		}
	}
	return out
}

// graph is `go list -deps -json ./...` over the whole module: the project's
// packages and everything they import (to tell the standard library apart).
func graph(t *testing.T) []pkg {
	t.Helper()
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	require.NoError(t, err)
	cmd := exec.Command("go", "list", "-deps", "-json", "./...")
	cmd.Dir = strings.TrimSpace(string(root))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	var pkgs []pkg
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// The layer rules hold for the code as it is.
func TestImportsPointDownTheLayers(t *testing.T) {
	pkgs := graph(t)
	seen := map[string]bool{}
	for _, p := range pkgs {
		seen[rel(p.ImportPath)] = true
	}
	for _, p := range []string{"workflows", "models", "internal/realtime", "internal/searchattr", "internal/counters", "app", "api"} {
		require.True(t, seen[p], "go list found %s: the rules would pass vacuously", p)
	}
	for _, v := range violations(pkgs) {
		t.Error(v)
	}
}

// Each package says in its doc.go what it holds, its layer and what it may
// import.
func TestEveryPackageHasADocGo(t *testing.T) {
	for _, p := range graph(t) {
		if own(p.ImportPath) && !slices.Contains(p.GoFiles, "doc.go") {
			t.Errorf("%s has no doc.go", p.ImportPath)
		}
	}
}

// Each rule on a made-up graph: what it refuses and what it lets through.
func TestTheRules(t *testing.T) {
	for _, tc := range []struct {
		importer, imp string
		broken        bool
	}{
		{"workflows", "models", false},
		{"workflows", "internal/searchattr", false},
		{"workflows", "activities", false},
		{"workflows", "go.temporal.io/sdk/workflow", false},
		{"workflows", "github.com/google/uuid", false},
		{"workflows", "time", false},
		{"workflows", "internal/temporalx", true},
		{"workflows", "internal/store", true},
		{"workflows", "internal/notify", true},
		{"workflows", "api", true},
		{"workflows", "gorm.io/gorm", true},
		{"models", "github.com/google/uuid", false},
		{"models", "time", false},
		{"models", "internal/store", true},
		{"models", "workflows", true},
		{"internal/notify", "internal/store", false},
		{"internal/notify", "workflows", true},
		{"internal/notify", "notifier", true},
		{"internal/store", "activities", true},
		{"internal/store", "worker", true},
		{"internal/config", "app", true},
		{"internal/realtime", "api", true},
		{"internal/realtime", "models", false},
		{"internal/counters", "models", false},
		{"internal/counters", "internal/ratelimit", false},
		{"internal/counters", "github.com/redis/go-redis/v9", false},
		{"internal/counters", "cmd/fanfare", true},
		{"internal/searchattr", "go.temporal.io/sdk/temporal", false},
		{"internal/searchattr", "go.temporal.io/sdk/client", true},
		{"api", "workflows", false},
		{"api", "messaging", false},
		{"messaging", "notifier", false},
		{"messaging", "api", true},
		{"membership", "workflows", false},
		{"membership", "app", true},
		{"internal/store", "messaging", true},
		{"internal/realtime", "membership", true},
		{"perks", "notifier", false},
		{"perks", "api", true},
		{"internal/store", "perks", true},
		{"engagement", "workflows", false},
		{"engagement", "notifier", false},
		{"engagement", "api", true},
		{"engagement", "app", true},
		{"engagement", "internal/counters", false},
		{"internal/store", "engagement", true},
		{"analytics", "internal/store", false},
		{"analytics", "api", true},
		{"internal/store", "analytics", true},
		{"app", "api", false},
		{"api", "tooling/testenv", true},
		{"cmd/fanfare", "tooling/seed", false},
		{"tooling/testenv", "app", false},
	} {
		t.Run(tc.importer+"→"+tc.imp, func(t *testing.T) {
			stdlib := map[string]bool{"time": true}
			abs := func(p string) string {
				if stdlib[p] || strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
					return p
				}
				return module + "/" + p
			}
			pkgs := []pkg{
				{ImportPath: abs(tc.importer), Imports: []string{abs(tc.imp)}},
				{ImportPath: "time", Standard: true},
			}
			v := violations(pkgs)
			if tc.broken {
				require.Len(t, v, 1)
				require.Contains(t, v[0], abs(tc.importer)+" imports "+abs(tc.imp)+": ")
			} else {
				require.Empty(t, v)
			}
		})
	}
}
