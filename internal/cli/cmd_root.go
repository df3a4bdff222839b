package cli

import (
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"bosun/pks"
)

// globals are the flags every command shares (DESIGN.md, command line contract).
type globals struct {
	environment  string
	client       string
	clientSecret string
	caCert       string
	jsonOut      bool
	offline      bool
	demo         bool
	readOnly     bool
	yes          bool
	production   bool // environment marked production: the TUI asks for typed names
	noColor      bool
	wide         bool // tables print every row whole, however wide
	maxTasks     int
	deployment   string // TUI: open on this deployment's instances
	refresh      time.Duration
	details      time.Duration
	pks          pks.Overrides // --pks-* flags (session_pks.go)
}

// exitError carries an exit code and a message already fit for the user.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func newRootCmd(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "bosun",
		Short: "A terminal UI and scriptable CLI for BOSH directors and PKS/TKGI",
		Long: "bosun lists deployments and instances of a BOSH director, live or from its cache,\n" +
			"in a terminal UI or as scriptable commands with --json and exit codes.\n\n" + exitCodesHelp + "\n\n" + jsonHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !term.IsTerminal(int(os.Stdout.Fd())) || g.jsonOut {
				// No TUI when stdout is not a terminal: print the deployments instead.
				return runDeployments(cmd.Context(), g, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			return runTUI(cmd.Context(), g)
		},
	}
	f := root.PersistentFlags()
	f.StringVarP(&g.environment, "environment", "e", "", "director URL or alias (env BOSH_ENVIRONMENT)")
	f.StringVar(&g.client, "client", "", "client or user name (env BOSH_CLIENT)")
	f.StringVar(&g.clientSecret, "client-secret", "", "client secret or password (env BOSH_CLIENT_SECRET)")
	f.StringVar(&g.caCert, "ca-cert", "", "director CA certificate: path or PEM text (env BOSH_CA_CERT)")
	f.BoolVar(&g.jsonOut, "json", false, "print JSON instead of tables")
	f.BoolVar(&g.offline, "offline", false, "serve from the cache only; never contact the director")
	f.BoolVar(&g.demo, "demo", false, "run against an in-process simulated foundation")
	f.BoolVar(&g.readOnly, "read-only", false, "refuse every mutating action")
	f.BoolVarP(&g.yes, "yes", "n", false, "confirm actions without a prompt (env BOSH_NON_INTERACTIVE)")
	f.BoolVar(&g.production, "production", false, "mark the environment production: TUI confirmations need the typed name (env BOSUN_PRODUCTION=1)")
	f.BoolVar(&g.noColor, "no-color", false, "disable colour (also NO_COLOR)")
	f.BoolVar(&g.wide, "wide", false, "tables: print every row whole instead of cutting cells to the terminal's width (COLUMNS, 80 on a pipe)")
	f.IntVar(&g.maxTasks, "max-tasks", 8, "director tasks bosun keeps in flight at once")
	addPKSFlags(f, g)
	root.Flags().StringVarP(&g.deployment, "deployment", "d", "", "TUI: open on the instances of this deployment")
	root.Flags().DurationVar(&g.refresh, "refresh", 30*time.Second, "TUI: interval of the cheap listing refresh")
	root.Flags().DurationVar(&g.details, "details-refresh", 5*time.Minute, "TUI: interval of the task-based details refresh")

	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if v := os.Getenv("BOSH_NON_INTERACTIVE"); v != "" && v != "false" && v != "0" {
			g.yes = true
		}
		if v := os.Getenv("BOSUN_PRODUCTION"); v != "" && v != "false" && v != "0" {
			g.production = true
		}
		if os.Getenv("NO_COLOR") != "" {
			g.noColor = true
		}
		if g.maxTasks < 1 {
			return exitError{2, "--max-tasks must be at least 1"}
		}
		if g.demo && g.offline {
			return exitError{2, "--demo and --offline cannot be used together"}
		}
		return nil
	}

	root.AddCommand(
		newDeploymentsCmd(g), newInstancesCmd(g),
		newCCKCmd(g),
		newTasksCmd(g), newTaskCmd(g), newCancelTaskCmd(g),
		newLocksCmd(g), newActivityCmd(g),
		newLogsCmd(g),
		newSSHCmd(g),
		newAuditCmd(g),
		newClustersCmd(g), newClusterCmd(g),
		newEtcdCmd(g), newUsageCmd(g),
		newEventsCmd(g),
		newHistoryCmd(g),
		newInfoCmd(g),
		newSimCmd(g),
		newVersionCmd(g),
	)
	root.AddCommand(newLifecycleCmds(g)...)
	acceptDays(root)
	addCompletions(root, g)
	return root
}

// oneLine keeps the first line of a message, so errors stay one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
