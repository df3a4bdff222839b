package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"bosun/app"
	"bosun/bosh"
	"bosun/cache"
)

// lifecycleFlags are the flags of restart, recreate, stop and start: the
// ones the bosh CLI v7.5.6 has for each (it has no --force).
type lifecycleFlags struct {
	dep         string
	skipDrain   bool
	fix         bool
	hard        bool
	dryRun      bool
	noConverge  bool
	canaries    string
	maxInFlight string
}

var lifecycleShort = map[string]string{
	bosh.ActionRestart:  "Restart the processes of a deployment, an instance group or an instance (a director task)",
	bosh.ActionRecreate: "Recreate the VMs of a deployment, an instance group or an instance (a director task)",
	bosh.ActionStop:     "Stop the processes (--hard: delete the VMs) of a deployment, an instance group or an instance",
	bosh.ActionStart:    "Start the processes of a deployment, an instance group or an instance (a director task)",
}

// newLifecycleCmds are `bosun restart|recreate|stop|start`.
func newLifecycleCmds(g *globals) []*cobra.Command {
	var out []*cobra.Command
	for _, action := range bosh.LifecycleActions {
		out = append(out, newLifecycleCmd(g, action))
	}
	return out
}

func newLifecycleCmd(g *globals, action string) *cobra.Command {
	var f lifecycleFlags
	cmd := &cobra.Command{
		Use:   action + " -d DEPLOYMENT [GROUP[/ID|/INDEX]]",
		Short: lifecycleShort[action],
		Long: lifecycleShort[action] + ".\n" +
			"The plan names the instances in the order the director updates them (canaries first, then\n" +
			"max-in-flight at a time) and the equivalent bosh command; it applies after --yes or a\n" +
			"confirmation. The task's events go to stderr as they come. Refused under --read-only.\n" +
			"Exit 0 applied, 1 the task failed, 2 refused or could not start (unknown instance, locked\n" +
			"deployment); interrupted by a signal: the director's task goes on, exit 128+signal.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.dep == "" {
				f.dep = os.Getenv("BOSH_DEPLOYMENT")
			}
			slug := ""
			if len(args) == 1 {
				slug = args[0]
			}
			r, err := lifecycleRequest(action, f, slug)
			if err != nil {
				return exitError{2, err.Error()}
			}
			return runLifecycle(cmd.Context(), g, r, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return exitError{2, err.Error()} })
	fl := cmd.Flags()
	fl.StringVarP(&f.dep, "deployment", "d", "", "deployment name (env BOSH_DEPLOYMENT)")
	if action != bosh.ActionStart {
		fl.BoolVar(&f.skipDrain, "skip-drain", false, "skip running drain and pre-stop scripts")
	}
	if action == bosh.ActionRecreate {
		fl.BoolVar(&f.fix, "fix", false, "recreate an instance with an unresponsive agent instead of erroring")
		fl.BoolVar(&f.dryRun, "dry-run", false, "render job templates without altering the deployment")
	}
	if action == bosh.ActionStop {
		fl.BoolVar(&f.hard, "hard", false, "delete the VM (but keep the persistent disk)")
	}
	fl.StringVar(&f.canaries, "canaries", "", "override the manifest's canaries (N or N%)")
	fl.StringVar(&f.maxInFlight, "max-in-flight", "", "override the manifest's max_in_flight (N or N%)")
	fl.BoolVar(&f.noConverge, "no-converge", false, "act only on the instance named, without a deploy")
	return cmd
}

// lifecycleRequest reads the flags and the GROUP[/ID] argument.
func lifecycleRequest(action string, f lifecycleFlags, slug string) (bosh.LifecycleRequest, error) {
	r := bosh.LifecycleRequest{Action: action, Deployment: f.dep, SkipDrain: f.skipDrain, Fix: f.fix, Hard: f.hard,
		DryRun: f.dryRun, NoConverge: f.noConverge, Canaries: f.canaries, MaxInFlight: f.maxInFlight}
	if slug != "" {
		group, id, hasID := strings.Cut(slug, "/")
		if group == "" || (hasID && (id == "" || strings.Contains(id, "/"))) {
			return r, fmt.Errorf("%q: want GROUP or GROUP/ID or GROUP/INDEX", slug)
		}
		r.Group, r.IndexOrID = group, id
	}
	if r.Deployment == "" {
		return r, fmt.Errorf("%s needs a deployment: -d DEPLOYMENT (or BOSH_DEPLOYMENT)", action)
	}
	return r, r.Check()
}

// lifecycleReport is the JSON of a state change.
type lifecycleReport struct {
	Action     string   `json:"action"`
	Deployment string   `json:"deployment"`
	Targets    []string `json:"targets"`
	TaskID     *int     `json:"task_id"`
	Outcome    string   `json:"outcome"`
}

func runLifecycle(ctx context.Context, g *globals, r bosh.LifecycleRequest, in io.Reader, out, errOut io.Writer) error {
	s, err := openGated(g, app.LifecycleGate(r))
	if err != nil {
		return err
	}
	defer s.close()
	s.warnCache(errOut)
	ctx, sig, stop := signalContext(ctx)
	defer stop()
	if _, _, err := s.DirectorInfo(ctx, false); err != nil {
		return exitError{2, oneLine(err.Error())}
	}
	lp, err := s.PlanLifecycle(ctx, r)
	if err != nil {
		if g.jsonOut {
			gate := app.LifecycleGate(r)
			writeJSON(out, lifecycleReport{Action: r.Action, Deployment: r.Deployment, Targets: gate.Targets, Outcome: string(cache.OutcomeRefused)})
		}
		return lifecycleExit(appError(err), sig())
	}
	confirm := app.Yes
	if !g.yes {
		confirm = func(p app.Plan) (bool, error) {
			return confirmPlan(in, errOut, p, fmt.Sprintf("%s %d instance(s)?", r.Action, len(p.Targets)))
		}
	}
	started, progress := lifecyclePrinter(errOut)
	res, err := s.ChangeState(ctx, lp, confirm, progress, started)
	report := lifecycleReport{Action: r.Action, Deployment: r.Deployment, Targets: lp.Plan.Targets, Outcome: string(res.Outcome)}
	if res.TaskID != 0 {
		report.TaskID = &res.TaskID
	}
	if g.jsonOut {
		if werr := writeJSON(out, report); werr != nil {
			return werr
		}
	} else if res.Outcome != cache.OutcomeRefused && res.Outcome != cache.OutcomeCancelled {
		writeLifecycleTable(out, r, res)
	}
	if err == nil {
		return nil
	}
	if res.Outcome == cache.OutcomeInterrupted {
		return lifecycleExit(exitError{1, res.Detail}, sig())
	}
	if errors.Is(err, app.ErrNotConfirmed) {
		return exitError{2, "not confirmed; nothing changed"}
	}
	return lifecycleExit(appError(err), sig())
}

// lifecycleExit is the exit of a failed state change: 128+signal when a
// signal ended it, 1 when the director's task failed, else 2 (it could
// not start: unknown instance, locked deployment, unreachable, refused).
func lifecycleExit(err error, sig os.Signal) error {
	msg := oneLine(err.Error())
	var le *bosh.LockError
	if errors.As(err, &le) {
		msg = le.Error()
	}
	if s, ok := sig.(syscall.Signal); ok {
		return exitError{128 + int(s), msg}
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee
	}
	if bosh.KindOf(err) == bosh.KindTaskFailed {
		return exitError{1, msg}
	}
	return exitError{2, msg}
}

// signalContext ends ctx on SIGINT, SIGTERM or SIGHUP; sig says which
// came, nil when none.
func signalContext(parent context.Context) (context.Context, func() os.Signal, func()) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	got := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			got <- s
			cancel()
		case <-done:
		}
	}()
	sig := func() os.Signal {
		select {
		case s := <-got:
			got <- s
			return s
		default:
			return nil
		}
	}
	return ctx, sig, func() { signal.Stop(ch); close(done); cancel() }
}

// lifecyclePrinter prints "Task N" as soon as the director has given the
// task, then its finished and failed steps as they come.
func lifecyclePrinter(w io.Writer) (func(int), func(bosh.TaskEvent)) {
	var mu sync.Mutex
	announced := false
	announce := func(id int) {
		mu.Lock()
		defer mu.Unlock()
		if !announced {
			fmt.Fprintf(w, "Task %d\n", id)
			announced = true
		}
	}
	return announce, func(ev bosh.TaskEvent) {
		announce(ev.TaskID)
		mu.Lock()
		defer mu.Unlock()
		printTaskStep(w, ev)
	}
}

// writeLifecycleTable prints the outcome: the task and each instance.
func writeLifecycleTable(w io.Writer, r bosh.LifecycleRequest, res app.LifecycleResult) {
	task := "no task"
	if res.TaskID != 0 {
		task = fmt.Sprintf("task %d", res.TaskID)
	}
	fmt.Fprintf(w, "%s %s: %s (%s)\n", r.Action, r.Deployment, res.Outcome, task)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range res.Targets {
		fmt.Fprintf(tw, "  %s\t%s\n", t.Name, dash(string(t.Outcome)))
	}
	tw.Flush()
	if res.Detail != "" && res.Outcome == cache.OutcomeUnchanged {
		fmt.Fprintln(w, res.Detail)
	}
}
