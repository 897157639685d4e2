package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/fanfare/fanfare/activities"
	"github.com/fanfare/fanfare/internal/temporalx"
	"github.com/fanfare/fanfare/workflows"
)

func analyticsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "analytics", Short: "Operate the artist analytics' roll-ups"}
	var from, to string
	backfill := &cobra.Command{
		Use:   "backfill --from YYYY-MM-DD --to YYYY-MM-DD",
		Short: "Rewrite the roll-ups of a past range of days (idempotent)",
		Long: "Runs AnalyticsRollupWorkflow on the worker for the UTC days [from, to] and waits for it; the run is visible\n" +
			"in the Temporal UI as analytics-backfill-{from}-{to}. Re-running a range rewrites it with the same numbers.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start, err := time.Parse(time.DateOnly, from)
			if err != nil {
				return fmt.Errorf("--from must be a day, YYYY-MM-DD: %w", err)
			}
			end, err := time.Parse(time.DateOnly, to)
			if err != nil {
				return fmt.Errorf("--to must be a day, YYYY-MM-DD: %w", err)
			}
			if end.Before(start) {
				return fmt.Errorf("--to is before --from")
			}
			cfg, log, err := setup()
			if err != nil {
				return err
			}
			c, err := temporalx.Dial(cmd.Context(), cfg.TemporalAddress, cfg.TemporalNamespace, log)
			if err != nil {
				return err
			}
			defer c.Close()
			id := fmt.Sprintf("analytics-backfill-%s-%s", from, to)
			run, err := c.ExecuteWorkflow(cmd.Context(), client.StartWorkflowOptions{ID: id, TaskQueue: cfg.TemporalTaskQueue},
				workflows.AnalyticsRollupWorkflow, workflows.AnalyticsRollup{From: start, To: end.AddDate(0, 0, 1)})
			if err != nil {
				return err
			}
			var out activities.RolledUp
			if err := run.Get(cmd.Context(), &out); err != nil {
				return err
			}
			fmt.Printf("rolled up %d days and %d months (%d rows) in %s\n", out.Days, out.Months, out.Rows, id)
			return nil
		},
	}
	backfill.Flags().StringVar(&from, "from", "", "the first UTC day")
	backfill.Flags().StringVar(&to, "to", "", "the last UTC day (included)")
	_ = backfill.MarkFlagRequired("from")
	_ = backfill.MarkFlagRequired("to")
	cmd.AddCommand(backfill)
	return cmd
}
