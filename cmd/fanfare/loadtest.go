package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/fanfare/fanfare/internal/config"
	"github.com/fanfare/fanfare/tooling/loadtest"
)

func loadtestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Load the platform from outside and print BENCH lines",
		Long:  "Load the platform from outside, as clients would, and print figures as `BENCH <name> <value> <unit>` lines.",
	}
	cmd.AddCommand(loadtestHTTPCmd(), loadtestWSCmd(), loadtestIdleCmd(), loadtestBroadcastCmd(), loadtestMembershipCmd(), loadtestMessagesCmd(), loadtestEngagementCmd(), loadtestPartyCmd(), loadtestPartyChatCmd(), loadtestPartyJoinCmd(), loadtestLeaderboardCmd(), loadtestMilestoneCmd())
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

func loadtestWSCmd() *cobra.Command {
	var (
		f      loadtest.Fanout
		target string
		rates  []int
		name   string
	)
	cmd := &cobra.Command{
		Use:   "ws",
		Short: "Fan-out of one room: publish → delivery latency at every client, rate by rate",
		Long: "Open --clients sockets in one room and publish at each of --rates events/s, printing p50/p99\n" +
			"publish → delivery latency and delivered messages/s. --target fanfare runs the api in this\n" +
			"process on the configured services (REDIS_URL picks the Redis broker); --target anchor is a\n" +
			"minimal fasthttp websocket broadcast, the baseline. The highest rate whose p99 stays within\n" +
			"100 ms with nothing lost is printed as <name>_max_delivered.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var room loadtest.Room
			switch target {
			case "fanfare":
				cfg, err := config.Load()
				if err != nil {
					return err
				}
				fr, err := loadtest.StartFanfare(ctx, cfg)
				if err != nil {
					return err
				}
				defer fr.Close()
				room = fr
			case "anchor":
				a, err := loadtest.StartAnchor()
				if err != nil {
					return err
				}
				defer a.Close()
				room = a
			default:
				return fmt.Errorf("--target must be fanfare or anchor")
			}
			best := 0.0
			for _, r := range rates {
				f.Rate = r
				res, err := f.Run(ctx, room)
				if err != nil {
					return err
				}
				res.Print(cmd.OutOrStdout(), fmt.Sprintf("%s_r%d", name, r))
				if res.P99 > 100*time.Millisecond || res.Delivered < res.Expected {
					break
				}
				best = max(best, res.DeliveredPerSecond())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "BENCH %s_max_delivered %.0f msg/s\n", name, best)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&target, "target", "fanfare", "fanfare or anchor")
	fl.StringVar(&name, "name", "ws", "name of the BENCH lines")
	fl.IntVar(&f.Clients, "clients", 500, "sockets in the room")
	fl.IntSliceVar(&rates, "rates", []int{20}, "events a second to publish, one run each, stopping past p99 100 ms")
	fl.DurationVar(&f.Warmup, "warmup", 2*time.Second, "load before measuring, per rate")
	fl.DurationVar(&f.Duration, "duration", 10*time.Second, "measured load, per rate")
	return cmd
}

func loadtestIdleCmd() *cobra.Command {
	var (
		n     int
		pprof string
	)
	cmd := &cobra.Command{
		Use:   "ws-idle URL",
		Short: "Open idle sockets to a running api and print its memory per socket",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return loadtest.IdleMemory(&loadtest.Client{Base: args[0]}, n, pprof, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&n, "clients", 10000, "idle sockets")
	cmd.Flags().StringVar(&pprof, "pprof", "", "the api's PPROF_ADDR, to collect garbage before reading memory")
	return cmd
}

func loadtestBroadcastCmd() *cobra.Command {
	var n int
	var audience string
	cmd := &cobra.Command{
		Use:   "broadcast",
		Short: "Announce to N synthetic followers on DATABASE_URL (PostgreSQL) and time it",
		Long: "--audience followers announces to N followers. --audience members sends a release's three\n" +
			"broadcasts to N followers of whom 10% are superfans (with a browser subscribed to push) and 20%\n" +
			"supporters: to the superfans, the supporters, then the followers who are not members.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load()
			if err != nil {
				return err
			}
			switch audience {
			case "followers":
				return loadtest.Broadcast(cmd.Context(), cfg, n, cmd.OutOrStdout())
			case "members":
				return loadtest.BroadcastMembers(cmd.Context(), cfg, n, cmd.OutOrStdout())
			}
			return fmt.Errorf("--audience must be followers or members, not %q", audience)
		},
	}
	cmd.Flags().IntVar(&n, "recipients", 100000, "followers to create and notify")
	cmd.Flags().StringVar(&audience, "audience", "followers", "followers, or members (a release's phases)")
	return cmd
}

func loadtestMembershipCmd() *cobra.Command {
	var o loadtest.MembershipOptions
	cmd := &cobra.Command{
		Use:   "membership",
		Short: "Time POST /api/artists/:id/subscription against a bare Update-with-Start, then worker memory with idle memberships",
		Long: "Runs the api and the worker in this process on DATABASE_URL, REDIS_URL and TEMPORAL_ADDRESS.\n" +
			"At each concurrency it measures a bare Update-with-Start of a one-timer workflow (the baseline)\n" +
			"and the subscribe route end to end, then starts --idle memberships and prints the heap as they pile up.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := profiledConfig()
			if err != nil {
				return err
			}
			return loadtest.Membership(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntSliceVar(&o.Concurrency, "concurrency", []int{4, 32}, "closed-loop clients, one level after another")
	cmd.Flags().IntVar(&o.PerLevel, "n", 300, "starts per level, for each of the baseline and the api")
	cmd.Flags().IntVar(&o.Idle, "idle", 10000, "idle memberships for the memory reading")
	return cmd
}

func loadtestMessagesCmd() *cobra.Command {
	var o loadtest.MessagesOptions
	cmd := &cobra.Command{
		Use:   "messages",
		Short: "Time sending direct messages, and the delay to the recipient's socket",
		Long: "Runs the api in this process on DATABASE_URL and REDIS_URL with an artist and --members superfans,\n" +
			"sends --sends messages from --concurrency clients, then --rate messages a second to --sockets\n" +
			"recipients online and measures the delay from each send to the socket.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := profiledConfig()
			if err != nil {
				return err
			}
			return loadtest.Messages(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&o.Members, "members", 500, "superfans, one conversation each")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 32, "closed-loop clients")
	cmd.Flags().IntVar(&o.Sends, "sends", 20000, "messages in the throughput part")
	cmd.Flags().IntVar(&o.Sockets, "sockets", 200, "recipients online in the latency part")
	cmd.Flags().IntVar(&o.Rate, "rate", 200, "messages a second in the latency part")
	cmd.Flags().DurationVar(&o.Duration, "duration", 10*time.Second, "length of the latency part")
	return cmd
}

func loadtestEngagementCmd() *cobra.Command {
	var o loadtest.EngagementOptions
	cmd := &cobra.Command{
		Use:   "engagement",
		Short: "Time client engagement events accepted a second, then their flush into PostgreSQL beside a plain COPY",
		Long: "Runs the api in this process on DATABASE_URL and REDIS_URL; --clients clients post batches of 500 events\n" +
			"(half progress, half shares) of --fans fans each for --duration and count what the answers accept. Then the\n" +
			"flush's activity drains the buffer into engagement_events, and the same rows are COPYed into a table like it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := profiledConfig()
			if err != nil {
				return err
			}
			return loadtest.Engagement(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&o.Clients, "clients", 32, "closed-loop clients")
	cmd.Flags().IntVar(&o.Fans, "fans", 40, "fans per client (each fan sends at most 5 batches: its last 24 h of listening)")
	cmd.Flags().DurationVar(&o.Duration, "duration", 10*time.Second, "length of the ingest part")
	return cmd
}

func loadtestMilestoneCmd() *cobra.Command {
	var o loadtest.MilestoneOptions
	cmd := &cobra.Command{
		Use:   "milestone",
		Short: "Time a milestone's crossing to the fan's notification on their socket",
		Long: "Runs the api and worker in this process on DATABASE_URL, REDIS_URL and TEMPORAL_ADDRESS; --fans fans, each 10 s\n" +
			"short of 1,000 minutes with one artist, report a play at --rate a second that crosses it; the artist's badge is\n" +
			"granted by each fan's RewardWorkflow. Prints p50 and p99 from the play's request to the notification frame.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := profiledConfig()
			if err != nil {
				return err
			}
			return loadtest.Milestone(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&o.Fans, "fans", 300, "fans, each crossing once")
	cmd.Flags().IntVar(&o.Rate, "rate", 20, "crossings a second")
	cmd.Flags().DurationVar(&o.Wait, "wait", 30*time.Second, "how long to wait for the last notification")
	return cmd
}

func loadtestLeaderboardCmd() *cobra.Command {
	var o loadtest.LeaderboardOptions
	cmd := &cobra.Command{
		Use:   "leaderboard",
		Short: "Time an artist's leaderboard and a fan's standing at --fans fans",
		Long: "Runs the api in this process on DATABASE_URL (PostgreSQL) with one artist and --fans fans with scores,\n" +
			"then reads the first page, a middle page and a fan's own standing --requests times each from\n" +
			"--concurrency clients, warm. Prints p50 and p99 of each.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := profiledConfig()
			if err != nil {
				return err
			}
			return loadtest.Leaderboard(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&o.Fans, "fans", 100000, "fans of the artist, each with a score")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 8, "closed-loop clients")
	cmd.Flags().IntVar(&o.Requests, "requests", 2000, "reads of each kind")
	return cmd
}

func loadtestPartyChatCmd() *cobra.Command {
	var o loadtest.PartyChatOptions
	cmd := &cobra.Command{
		Use:   "party-chat",
		Short: "Time a party's chat from a send to every listener's socket",
		Long: "Runs the api in this process on DATABASE_URL and REDIS_URL with a party and --listeners sockets in its\n" +
			"room; --senders of them send party:chat lines at --rate a second in all for --duration. Prints the\n" +
			"delay from each send to the last listener's receipt (p50, p99) and the lines lost or refused.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := profiledConfig()
			if err != nil {
				return err
			}
			return loadtest.PartyChat(cmd.Context(), cfg, o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&o.Listeners, "listeners", 500, "sockets in the party's room (at most 500 seats)")
	cmd.Flags().IntVar(&o.Senders, "senders", 25, "of those, the sockets that chat (each under the chat rate class's 5 a second)")
	cmd.Flags().IntVar(&o.Rate, "rate", 50, "lines a second in all")
	cmd.Flags().DurationVar(&o.Duration, "duration", 10*time.Second, "how long they chat")
	return cmd
}

// profiledConfig loads the config of a load test that runs the platform in
// its process, serving pprof on PPROF_ADDR when it is set.
func profiledConfig() (config.Config, error) {
	cfg, err := config.Load()
	if err == nil && cfg.PprofAddr != "" {
		go func() { _ = http.ListenAndServe(cfg.PprofAddr, nil) }()
	}
	return cfg, err
}

func loadtestPartyCmd() *cobra.Command {
	var o loadtest.PartyOptions
	cmd := &cobra.Command{
		Use:   "party sync|control",
		Short: "Listening parties: how closely simulated listeners follow (sync), or a host's control to the last listener (control)",
		Long: "Runs the api and the worker in this process on DATABASE_URL, REDIS_URL and TEMPORAL_ADDRESS, with a live party\n" +
			"and --listeners sockets in it. sync: listeners with skewed clocks and 10-200 ms round trips follow it with the\n" +
			"reference player (internal/partysync) through a pause, a play, a seek and a track change. control: --rounds\n" +
			"party:control frames until the last listener has the party:sync, then as many bare Updates of the workflow.",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"sync", "control"},
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := profiledConfig()
			if err != nil {
				return err
			}
			switch args[0] {
			case "sync":
				return loadtest.PartySync(cmd.Context(), cfg, o, cmd.OutOrStdout())
			case "control":
				return loadtest.PartyControl(cmd.Context(), cfg, o, cmd.OutOrStdout())
			}
			return fmt.Errorf("party: sync or control, not %q", args[0])
		},
	}
	cmd.Flags().IntVar(&o.Listeners, "listeners", 500, "sockets in the party")
	cmd.Flags().IntVar(&o.Rounds, "rounds", 200, "controls timed, and as many bare Updates (control)")
	return cmd
}

func loadtestPartyJoinCmd() *cobra.Command {
	var (
		n      int
		spread time.Duration
	)
	cmd := &cobra.Command{
		Use:   "party-join",
		Short: "A join storm: --clients fans join one party of that capacity over --spread; time until all are admitted",
		Long: "Runs the api in this process on DATABASE_URL, REDIS_URL and TEMPORAL_ADDRESS with an artist, a party\n" +
			"and --clients fans online, who send party:join spread over --spread, and prints the time from the\n" +
			"first send until the last of them is admitted.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := profiledConfig()
			if err != nil {
				return err
			}
			return loadtest.PartyJoinStorm(cmd.Context(), cfg, n, spread, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&n, "clients", 500, "fans, and the party's capacity (at most 500)")
	cmd.Flags().DurationVar(&spread, "spread", time.Second, "the joins are sent evenly over this")
	return cmd
}
