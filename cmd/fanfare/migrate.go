package main

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/internal/store"
	"github.com/fanfare/fanfare/tooling/seed"
)

func migrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:       "migrate up|down|status",
		Short:     "Apply, roll back (one step) or list the database migrations",
		Long:      "Apply, roll back (one step) or list the embedded goose migrations of DATABASE_URL's dialect.",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"up", "down", "status"},
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := openStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			m, err := st.Migrator()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			switch args[0] {
			case "up":
				res, err := m.Up(ctx)
				for _, r := range res {
					fmt.Printf("applied %s (%s)\n", r.Source.Path, r.Duration)
				}
				return err
			case "down":
				r, err := m.Down(ctx)
				if r != nil {
					fmt.Printf("rolled back %s\n", r.Source.Path)
				}
				return err
			case "status":
				list, err := m.Status(ctx)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE")
				for _, s := range list {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Source.Version, s.State, s.AppliedAt.Format("2006-01-02 15:04:05"), s.Source.Path)
				}
				return tw.Flush()
			}
			return fmt.Errorf("unknown migrate command %q: want up, down or status", args[0])
		},
	}
	return cmd
}

func seedCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "seed",
		Short: "Load the demo data (idempotent)",
		Long:  "Load the demo data: an artist and a few fans with printed logins. Running it twice changes nothing. Refused in production.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Judged before the rest of the config, so this is the answer.
			if cfg, _ := config.Load(); cfg.Production() {
				return seed.ErrProduction
			}
			st, err := openStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			return seed.Run(cmd.Context(), st, os.Stdout)
		},
	}
}

// openStore connects to DATABASE_URL alone: migrate and seed need nothing else.
func openStore(cmd *cobra.Command) (*store.Store, error) {
	cfg, log, err := setup()
	if err != nil {
		return nil, err
	}
	return store.Open(cmd.Context(), cfg.DatabaseURL, store.Options{MaxOpenConns: 2, MaxIdleConns: 1}, log)
}
