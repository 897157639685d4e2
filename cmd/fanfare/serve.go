package main

import (
	"net"
	"net/http"
	_ "net/http/pprof"

	"github.com/spf13/cobra"

	"github.com/fanfare/fanfare/app"
)

func apiCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "api",
		Short: "Serve the REST and WebSocket api on HTTP_ADDR",
		Long:  "Serve the REST and WebSocket api on HTTP_ADDR. Needs TEMPORAL_ADDRESS; scale it out behind a load balancer with REDIS_URL set.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd, true, false)
		},
	}
}

func workerCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker on TEMPORAL_TASK_QUEUE",
		Long:  "Run the Temporal worker: every workflow and activity, polling TEMPORAL_TASK_QUEUE at TEMPORAL_ADDRESS.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd, false, true)
		},
	}
}

func serve(cmd *cobra.Command, withAPI, withWorker bool) error {
	cfg, log, err := setup()
	if err != nil {
		return err
	}
	p, err := app.Open(cmd.Context(), cfg, log)
	if err != nil {
		return err
	}
	defer p.Close()
	if cfg.PprofAddr != "" {
		// net/http/pprof registers on the default mux, served only here.
		go func() { log.Warn("pprof stopped", "error", http.ListenAndServe(cfg.PprofAddr, nil)) }()
	}
	var ln net.Listener
	if withAPI {
		if ln, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return err
		}
		log.Info("api listening", "addr", ln.Addr().String())
	}
	return p.Run(cmd.Context(), ln, withWorker)
}
