package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// root is the repository root; go test runs in the package directory.
const root = ".."

type composeFile struct {
	FanfareEnv map[string]string         `yaml:"x-fanfare-env"`
	Services   map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       *composeBuild     `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck map[string]any `yaml:"healthcheck"`
	Restart     string         `yaml:"restart"`
	Ports       []string       `yaml:"ports"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	require.NoError(t, err)
	return b
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	require.NoError(t, yaml.Unmarshal(readFile(t, "temporal-compose.yaml"), &c))
	return c
}

// configVars are the environment variables internal/config reads, taken from
// the source so this test does not depend on the package compiling.
func configVars(t *testing.T) []string {
	t.Helper()
	src := readFile(t, "internal/config/config.go")
	var vars []string
	for _, m := range regexp.MustCompile(`env:"([A-Z][A-Z0-9_]*)`).FindAllSubmatch(src, -1) {
		if v := string(m[1]); !slices.Contains(vars, v) {
			vars = append(vars, v)
		}
	}
	require.NotEmpty(t, vars)
	sort.Strings(vars)
	return vars
}

// bindMount returns the host path mounted at target, or "".
func bindMount(volumes []string, target string) string {
	for _, v := range volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == target {
			return parts[0]
		}
	}
	return ""
}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"postgresql", "redis", "temporal", "temporal-admin-tools", "temporal-ui", "migrate", "api", "worker"} {
		require.Contains(t, c.Services, name)
	}
	for _, name := range []string{"postgresql", "redis", "temporal"} {
		require.NotEmpty(t, c.Services[name].Healthcheck, "%s needs a healthcheck", name)
	}

	commands := map[string][]string{"migrate": {"migrate", "up"}, "api": {"api"}, "worker": {"worker"}}
	for name, cmd := range commands {
		s := c.Services[name]
		require.NotNil(t, s.Build, name)
		require.Equal(t, ".", s.Build.Context, name)
		require.Equal(t, "deploy/Dockerfile", s.Build.Dockerfile, name)
		require.Equal(t, cmd, s.Command, name)
	}
	require.Equal(t, "no", c.Services["migrate"].Restart)
	for _, name := range []string{"api", "worker"} {
		deps := c.Services[name].DependsOn
		require.Equal(t, "service_completed_successfully", deps["migrate"].Condition, name)
		require.Equal(t, "service_healthy", deps["temporal"].Condition, name)
	}
	require.Equal(t, "service_healthy", c.Services["temporal-admin-tools"].DependsOn["temporal"].Condition)
}

// Temporal's frontend and UI have no authentication: anyone who reaches
// them can start, signal and update any workflow. They are published on
// the loopback interface only.
func TestComposePublishesTemporalOnLoopbackOnly(t *testing.T) {
	c := loadCompose(t)
	for service, want := range map[string]string{"temporal": "127.0.0.1:7233:7233", "temporal-ui": "127.0.0.1:8233:8080"} {
		require.Equal(t, []string{want}, c.Services[service].Ports, service)
	}
	for name, s := range c.Services {
		for _, p := range s.Ports {
			if strings.HasSuffix(p, ":7233") || strings.HasSuffix(p, ":8080") || strings.HasSuffix(p, ":8233") {
				require.True(t, strings.HasPrefix(p, "127.0.0.1:"), "%s publishes %s on every interface", name, p)
			}
		}
	}
}

func TestComposeEnvMatchesConfig(t *testing.T) {
	c := loadCompose(t)
	known := configVars(t)
	require.NotEmpty(t, c.FanfareEnv)
	for _, name := range []string{"FANFARE_ENV", "DATABASE_URL", "REDIS_URL", "TEMPORAL_ADDRESS", "JWT_SECRET", "UNSUBSCRIBE_SECRET", "CORS_ORIGINS"} {
		require.Contains(t, c.FanfareEnv, name)
	}
	require.Equal(t, "production", c.FanfareEnv["FANFARE_ENV"])
	require.True(t, strings.HasPrefix(c.FanfareEnv["DATABASE_URL"], "postgres://"))
	// Production refuses the sandbox; Stripe needs both secrets, and
	// compose refuses to start without them.
	require.Equal(t, "stripe", c.FanfareEnv["BILLING_PROVIDER"])
	for _, name := range []string{"STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"} {
		require.Equal(t, "${"+name+":?set "+name+"}", c.FanfareEnv[name])
	}

	envs := []map[string]string{c.FanfareEnv}
	for _, name := range []string{"migrate", "api", "worker"} {
		envs = append(envs, c.Services[name].Environment)
	}
	for _, env := range envs {
		for name := range env {
			require.Contains(t, known, name, "compose sets %s, which internal/config does not read", name)
		}
	}
}

func TestComposeTemporal(t *testing.T) {
	c := loadCompose(t)
	require.Equal(t, "temporalio/auto-setup:1.29.1", c.Services["temporal"].Image)
	require.Equal(t, "temporalio/ui:2.42.1", c.Services["temporal-ui"].Image)
	// admin-tools tags carry a -tctl-…-cli-… suffix after the server version.
	admin := c.Services["temporal-admin-tools"].Image
	require.Regexp(t, `^temporalio/admin-tools:1\.29\.1(-|$)`, admin)

	temporal := c.Services["temporal"]
	require.Equal(t, "postgres12", temporal.Environment["DB"])
	require.Equal(t, "postgresql", temporal.Environment["POSTGRES_SEEDS"])
	dcPath := temporal.Environment["DYNAMIC_CONFIG_FILE_PATH"]
	require.NotEmpty(t, dcPath)
	src := bindMount(temporal.Volumes, dcPath)
	require.NotEmpty(t, src, "DYNAMIC_CONFIG_FILE_PATH %s is not mounted", dcPath)

	var dc map[string][]struct {
		Value       any            `yaml:"value"`
		Constraints map[string]any `yaml:"constraints"`
	}
	require.NoError(t, yaml.Unmarshal(readFile(t, src), &dc))
	for _, key := range []string{"frontend.enableUpdateWorkflowExecution", "frontend.enableExecuteMultiOperation"} {
		require.Len(t, dc[key], 1, key)
		require.Equal(t, true, dc[key][0].Value, key)
		require.Empty(t, dc[key][0].Constraints, key)
	}

	script := bindMount(c.Services["temporal-admin-tools"].Volumes, "/opt/fanfare/register-search-attributes.sh")
	require.Equal(t, "./deploy/temporal/register-search-attributes.sh", script)
	body := string(readFile(t, script))
	attrs := map[string]string{
		"ArtistId": "Keyword", "FanId": "Keyword", "Tier": "Keyword", "SubscriptionStatus": "Keyword",
		"PartyStatus": "Keyword", "ReleasePhase": "Keyword", "NextRenewalAt": "Datetime",
	}
	for name, typ := range attrs {
		require.Regexp(t, `(?m)^register `+name+` `+typ+`\b`, body)
	}
}

func TestDockerfile(t *testing.T) {
	df := string(readFile(t, "deploy/Dockerfile"))
	require.Regexp(t, `(?m)^FROM golang:1\.26 AS build$`, df)
	require.Contains(t, df, `go build -trimpath -ldflags="-s -w" -o /out/fanfare ./cmd/fanfare`)
	require.Contains(t, df, "--mount=type=cache,target=/go/pkg/mod")
	require.Contains(t, df, "--mount=type=cache,target=/root/.cache/go-build")
	require.Regexp(t, `(?m)^FROM gcr\.io/distroless/static-debian12:nonroot$`, df)
	require.Contains(t, df, `ENTRYPOINT ["/fanfare"]`)

	ignored := strings.Fields(string(readFile(t, ".dockerignore")))
	for _, p := range []string{"bin/", ".data/", ".git", "tools/"} {
		require.Contains(t, ignored, p)
	}
}

// k8sDocs parses every YAML document of a file.
func k8sDocs(t *testing.T, rel string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readFile(t, rel)))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err, rel)
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

func TestK8sManifests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "deploy/k8s/*"))
	require.NoError(t, err)
	var others []string
	for _, f := range files {
		name := filepath.Base(f)
		require.Regexp(t, `\.yaml$`, name)
		docs := k8sDocs(t, "deploy/k8s/"+name)
		require.NotEmpty(t, docs, name)
		for _, d := range docs {
			require.NotEmpty(t, d["apiVersion"], name)
			require.NotEmpty(t, d["kind"], name)
		}
		if name != "kustomization.yaml" {
			others = append(others, name)
		}
	}

	var k struct {
		Resources []string `yaml:"resources"`
	}
	require.NoError(t, yaml.Unmarshal(readFile(t, "deploy/k8s/kustomization.yaml"), &k))
	require.ElementsMatch(t, others, k.Resources)

	// kustomize drops local-config objects, so apply -k never replaces the
	// real Secret with the placeholders.
	secret := k8sDocs(t, "deploy/k8s/secret.example.yaml")[0]
	require.Equal(t, "Secret", secret["kind"])
	meta := secret["metadata"].(map[string]any)
	require.Equal(t, "true", meta["annotations"].(map[string]any)["config.kubernetes.io/local-config"])
	data := secret["stringData"].(map[string]any)
	require.ElementsMatch(t, []string{"DATABASE_URL", "REDIS_URL", "JWT_SECRET", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "UNSUBSCRIBE_SECRET"}, keys(data))
	for name, v := range data {
		require.Contains(t, v, "CHANGE_ME", "%s must be a placeholder", name)
	}

	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	require.NoError(t, yaml.Unmarshal(readFile(t, "deploy/k8s/configmap.yaml"), &cm))
	known := configVars(t)
	for name := range cm.Data {
		require.Contains(t, known, name, "configmap sets %s, which internal/config does not read", name)
		require.NotContains(t, data, name, "%s is a secret", name)
	}
	require.Equal(t, "production", cm.Data["FANFARE_ENV"])
	require.Equal(t, "stripe", cm.Data["BILLING_PROVIDER"], "production refuses the sandbox")

	api := string(readFile(t, "deploy/k8s/api-deployment.yaml"))
	require.Contains(t, api, "path: /readyz")
	require.Contains(t, api, "path: /healthz")
	require.Contains(t, api, "replicas: 2")
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestEnvExampleMatchesConfig(t *testing.T) {
	body := readFile(t, ".env.example")
	var mentioned []string
	for _, m := range regexp.MustCompile(`(?m)^#?[ \t]*([A-Z][A-Z0-9_]*)=`).FindAllSubmatch(body, -1) {
		if v := string(m[1]); !slices.Contains(mentioned, v) {
			mentioned = append(mentioned, v)
		}
	}
	sort.Strings(mentioned)
	require.Equal(t, configVars(t), mentioned)
}
