package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/fanfare/fanfare/app"
	"github.com/fanfare/fanfare/internal/temporalx"
	"github.com/fanfare/fanfare/tooling/seed"
	"github.com/fanfare/fanfare/worker"
	"github.com/fanfare/fanfare/workflows"
)

func devCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "dev",
		Short: "Run everything in one process on embedded defaults",
		Long: "Run the whole platform in one process: a Temporal dev server with its UI (unless TEMPORAL_ADDRESS\n" +
			"is set), the database with migrations applied and demo data, the worker and the api.\n" +
			"State is kept under DATA_DIR, so a second run keeps the data.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := setup()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if cfg.TemporalAddress == "" {
				if _, err := os.Stat(cfg.TemporalCLI); err != nil {
					return fmt.Errorf("TEMPORAL_CLI: no temporal binary at %s; `make run` builds it", cfg.TemporalCLI)
				}
				if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
					return err
				}
				logFile, err := os.Create(filepath.Join(cfg.DataDir, "temporal.log"))
				if err != nil {
					return err
				}
				defer logFile.Close()
				srv, err := temporalx.DevServer{
					CLI: cfg.TemporalCLI, Port: cfg.TemporalPort, UIPort: cfg.TemporalUIPort,
					DBFile: filepath.Join(cfg.DataDir, "temporal.db"), Namespace: cfg.TemporalNamespace,
					Log: log, Output: logFile, SearchAttributes: worker.SearchAttributes(),
				}.Start(ctx)
				if err != nil {
					return err
				}
				defer func() {
					log.Info("stopping temporal dev server")
					_ = srv.Stop()
				}()
				cfg.TemporalAddress = srv.FrontendHostPort()
			}
			p, err := app.Open(ctx, cfg, log)
			if err != nil {
				return err
			}
			defer p.Close()
			if err := p.Store.MigrateUp(ctx); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			ln, err := net.Listen("tcp", cfg.HTTPAddr)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if err := seed.Run(ctx, p.Store, out); err != nil {
				return err
			}
			go func() { // once the worker below runs
				wf := workflows.Conn{Client: p.Temporal, TaskQueue: cfg.TemporalTaskQueue}
				if err := seed.StartWorkflows(ctx, p.Store, wf, time.Now()); err != nil && ctx.Err() == nil {
					log.Error("demo workflows", "err", err)
				}
			}()
			printURLs(out, ln.Addr().(*net.TCPAddr).Port, cfg.TemporalUIPort)
			return p.Run(ctx, ln, true)
		},
	}
}

func printURLs(out io.Writer, apiPort, uiPort int) {
	base := "http://localhost:" + strconv.Itoa(apiPort)
	fmt.Fprintf(out, "\nFanfare is running (Ctrl-C stops it):\n")
	fmt.Fprintf(out, "  api          %s/api\n", base)
	fmt.Fprintf(out, "  api docs     %s/docs  (OpenAPI: %s/openapi.json)\n", base, base)
	fmt.Fprintf(out, "  temporal ui  http://localhost:%d\n\n", uiPort)
}
