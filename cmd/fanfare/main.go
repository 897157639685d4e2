package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	_ "time/tzdata" // time zones work on images without /usr/share/zoneinfo

	"github.com/fanfare/fanfare/internal/config"
)

func main() {
	root := &cobra.Command{
		Use:           "fanfare",
		Short:         "Fan clubs, messages and listening parties for music artists",
		SilenceUsage:  true,
		SilenceErrors: true,
		Long: "Fanfare is configured only through environment variables (see .env.example).\n" +
			"Without any, it runs embedded: SQLite, in-memory broker and limiter, a Temporal dev server.",
	}
	root.AddCommand(devCmd(), apiCmd(), workerCmd(), migrateCmd(), seedCmd(), analyticsCmd(), loadtestCmd())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fanfare:", err)
		os.Exit(1)
	}
}

// setup loads the config, failing with the variable at fault, and builds
// the logger every part shares.
func setup() (config.Config, *slog.Logger, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	log := slog.New(h)
	slog.SetDefault(log)
	log.Info("configuration", "config", cfg)
	return cfg, log, nil
}
