package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fanfare/fanfare/internal/loadtest"
)

func loadtestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Load the platform from outside and print BENCH lines",
		Long:  "Load the platform from outside, as clients would, and print figures as `BENCH <name> <value> <unit>` lines.",
	}
	cmd.AddCommand(loadtestHTTPCmd())
	return cmd
}

func loadtestHTTPCmd() *cobra.Command {
	var (
		h       loadtest.HTTP
		headers []string
	)
	cmd := &cobra.Command{
		Use:   "http URL",
		Short: "Closed-loop GET load on one URL: requests/s, p50, p99",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			h.URL = args[0]
			h.Headers = map[string]string{}
			for _, kv := range headers {
				k, v, _ := strings.Cut(kv, ":")
				h.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
			res, err := h.Run(cmd.Context())
			if err != nil {
				return err
			}
			res.Print(cmd.OutOrStdout(), h.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&h.Name, "name", "http", "name of the BENCH lines")
	f.IntVar(&h.Conns, "conns", 64, "concurrent connections")
	f.DurationVar(&h.Warmup, "warmup", 3*time.Second, "load before measuring")
	f.DurationVar(&h.Duration, "duration", 10*time.Second, "measured load")
	f.StringArrayVarP(&headers, "header", "H", nil, "request header `Name: value` (repeatable)")
	return cmd
}
