package temporalx

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// DevServer describes a Temporal dev server run from the pinned CLI binary.
type DevServer struct {
	CLI       string // path of the temporal binary
	Port      int    // gRPC port; 0 picks a free one
	UIPort    int    // 0 turns the UI off
	DBFile    string // SQLite file; empty keeps state in memory
	Namespace string
	Log       *slog.Logger
	Output    io.Writer // the server's own log; nil discards it
	// SearchAttributes are registered on Namespace at start.
	SearchAttributes []temporal.SearchAttributeKey
}

// Start runs the dev server with the search attributes registered and
// Updates and multi-operations (Update-with-Start) turned on, and waits
// until it answers.
func (d DevServer) Start(ctx context.Context) (*testsuite.DevServer, error) {
	opts := clientOptions("", d.Namespace, d.Log)
	if d.Port != 0 {
		opts.HostPort = "127.0.0.1:" + strconv.Itoa(d.Port)
	}
	sa := make([]temporal.SearchAttributeUpdate, 0, len(d.SearchAttributes))
	for _, k := range d.SearchAttributes {
		sa = append(sa, placeholder(k))
	}
	out := d.Output
	if out == nil {
		out = io.Discard
	}
	o := testsuite.DevServerOptions{
		ExistingPath:     d.CLI,
		ClientOptions:    &opts,
		DBFilename:       d.DBFile,
		EnableUI:         d.UIPort != 0,
		LogLevel:         "warn",
		SearchAttributes: temporal.NewSearchAttributes(sa...),
		Stdout:           out,
		Stderr:           out,
		ExtraArgs: []string{
			"--dynamic-config-value", "frontend.enableUpdateWorkflowExecution=true",
			"--dynamic-config-value", "frontend.enableExecuteMultiOperation=true",
			"--dynamic-config-value", "system.forceSearchAttributesCacheRefreshOnRead=true",
			// One partition per task queue: with the default four and a
			// handful of pollers, a task in an unpolled partition waited
			// about 2 s (the p99 of every Update-with-Start, measured here).
			"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
			"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1",
		},
	}
	if d.UIPort != 0 {
		o.UIPort = strconv.Itoa(d.UIPort)
	}
	s, err := testsuite.StartDevServer(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("start temporal dev server (%s): %w", d.CLI, err)
	}
	return s, nil
}

// placeholder gives a key a value so it can be listed for registration;
// only the key's name and type reach the dev server's command line.
func placeholder(k temporal.SearchAttributeKey) temporal.SearchAttributeUpdate {
	switch k := k.(type) {
	case temporal.SearchAttributeKeyKeyword:
		return k.ValueSet("")
	case temporal.SearchAttributeKeyTime:
		return k.ValueUnset()
	}
	panic(fmt.Sprintf("search attribute %s has a type the dev server list does not handle", k.GetName()))
}
