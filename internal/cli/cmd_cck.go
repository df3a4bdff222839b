package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"bosun/app"
	"bosun/bosh"
	"bosun/cache"
)

type cckFlags struct {
	dep      string
	auto     bool
	resolves []string
}

func newCCKCmd(g *globals) *cobra.Command {
	var f cckFlags
	cmd := &cobra.Command{
		Use:     "cck",
		Aliases: []string{"cloud-check"},
		Short:   "Cloud-check a deployment: what the director expects against what is there; optionally resolve",
		Long: "cck scans a deployment (a director task) and shows each problem as what the director's record\n" +
			"expects against what the scan found. --resolve ID=NAME (repeatable; ids of the last scan's open\n" +
			"problems, which are not scanned again) and --auto (scan, then the director's default for every\n" +
			"problem not named) apply resolutions after --yes or a confirmation, then rescan.\n" +
			"Exit 0 when the deployment is clean, 1 when problems remain or anything failed.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.dep == "" {
				f.dep = os.Getenv("BOSH_DEPLOYMENT")
			}
			return runCCK(cmd.Context(), g, f, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&f.dep, "deployment", "d", "", "deployment name (env BOSH_DEPLOYMENT)")
	cmd.Flags().BoolVar(&f.auto, "auto", false, "resolve every problem not named by --resolve with the director's default")
	cmd.Flags().StringArrayVar(&f.resolves, "resolve", nil, "resolve open problem ID (from the last scan) with resolution NAME (ID=NAME; repeatable)")
	return cmd
}

// cckReport is the JSON document of `bosun cck --json`.
type cckReport struct {
	Deployment string         `json:"deployment"`
	Problems   []bosh.Problem `json:"problems"`
	Resolution *cckResolution `json:"resolution"` // null when nothing was resolved
}

// cckResolution says what a resolution did, per problem.
type cckResolution struct {
	TaskID  int               `json:"task_id"`
	Answers []cache.CCKAction `json:"answers"`
	Error   *string           `json:"error"`
}

func runCCK(ctx context.Context, g *globals, f cckFlags, in io.Reader, out, errOut io.Writer) error {
	if f.dep == "" {
		return exitError{2, "cck needs a deployment: -d DEPLOYMENT (or BOSH_DEPLOYMENT)"}
	}
	if g.offline {
		return exitError{2, "cck scans through the director; it cannot run --offline"}
	}
	wanted, err := parseResolves(f.resolves)
	if err != nil {
		return exitError{2, err.Error()}
	}
	resolving := f.auto || len(wanted) > 0
	s, err := openSession(g)
	if err != nil {
		return err
	}
	defer s.close()
	if resolving {
		if err := s.Check(app.Plan{Kind: app.Change, Action: "cck resolve", Deployment: f.dep}); err != nil {
			return exitError{2, err.Error() + " (run without --auto/--resolve to scan only)"}
		}
	}
	s.warnCache(errOut)
	if _, _, err := s.DirectorInfo(ctx, false); err != nil {
		return err
	}

	// IDs given with --resolve are those of the last scan: a new scan would
	// close them, so they are checked against the open problems instead.
	var probs []bosh.Problem
	if len(wanted) > 0 {
		probs, err = s.Client.Problems(ctx, f.dep)
	} else {
		probs, err = cckScan(ctx, s, f.dep, !g.jsonOut, errOut)
	}
	if err != nil {
		return err
	}
	report := cckReport{Deployment: f.dep, Problems: nonNilProblems(probs)}
	if !resolving || (len(probs) == 0 && len(wanted) == 0) {
		return finishCCK(g, out, report)
	}

	answers, err := chooseAnswers(probs, wanted, f.auto)
	if err != nil {
		return exitError{2, err.Error()}
	}
	if len(answers) == 0 {
		return finishCCK(g, out, report)
	}
	if !g.jsonOut {
		writeProblemsTable(out, f.dep, probs)
	}
	confirm := app.Yes
	if !g.yes {
		confirm = func(p app.Plan) (bool, error) { return confirmPlan(in, errOut, p, "Apply these resolutions?") }
	}
	// Once confirmed, a signal stops following the director's task (which
	// goes on) and is recorded; the prompt itself is left to the shell's
	// Ctrl-C.
	actx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	var sig *interruption
	watched := func(p app.Plan) (bool, error) {
		ok, err := confirm(p)
		if ok && err == nil {
			sig = interruptible(ctx, errOut, "no longer following the director's task, which goes on")
			go func() {
				select {
				case <-sig.stop:
					stopFollowing()
				case <-sig.done:
				}
			}()
		}
		return ok, err
	}
	res, rerr := cckResolve(actx, s, f.dep, probs, answers, watched, !g.jsonOut, errOut)
	report.Resolution = res
	if sig != nil {
		sig.release()
		if code := sig.exitCode(); code != 0 {
			if res.TaskID != 0 {
				fmt.Fprintf(errOut, "bosun: director task %d goes on; `bosun cancel-task %d` stops it\n", res.TaskID, res.TaskID)
			}
			return sig.interrupted(rerr)
		}
	}
	var refused *app.RefusedError
	switch {
	case errors.As(rerr, &refused):
		return exitError{2, refused.Reason}
	case errors.Is(rerr, app.ErrNotConfirmed):
		return exitError{exitFailed, "nothing resolved: not confirmed"}
	}
	if rerr != nil {
		if g.jsonOut {
			msg := oneLine(rerr.Error())
			report.Resolution.Error = &msg
			writeJSON(out, report)
		}
		return exitError{actionExit(rerr), oneLine(rerr.Error())}
	}
	after, err := cckScan(ctx, s, f.dep, !g.jsonOut, errOut)
	if err != nil {
		return fmt.Errorf("resolutions applied (task %d), but the rescan failed: %w", res.TaskID, err)
	}
	report.Problems = nonNilProblems(after)
	if !g.jsonOut {
		fmt.Fprintln(out, "after resolving:")
	}
	return finishCCK(g, out, report)
}

// finishCCK prints the report; problems left make the exit code 1.
func finishCCK(g *globals, out io.Writer, r cckReport) error {
	if g.jsonOut {
		if err := writeJSON(out, r); err != nil {
			return err
		}
	} else {
		writeProblemsTable(out, r.Deployment, r.Problems)
	}
	if n := len(r.Problems); n > 0 {
		return exitError{exitFound, ""}
	}
	return nil
}

func nonNilProblems(p []bosh.Problem) []bosh.Problem {
	if p == nil {
		return []bosh.Problem{}
	}
	return p
}

// parseResolves reads --resolve ID=NAME flags.
func parseResolves(flags []string) (map[int]string, error) {
	out := map[int]string{}
	for _, f := range flags {
		idText, name, ok := strings.Cut(f, "=")
		id, err := strconv.Atoi(strings.TrimSpace(idText))
		name = strings.TrimSpace(name)
		if !ok || err != nil || id <= 0 || name == "" {
			return nil, fmt.Errorf("--resolve %q: want ID=NAME, e.g. --resolve 42=recreate_vm", f)
		}
		if prev, dup := out[id]; dup && prev != name {
			return nil, fmt.Errorf("--resolve: problem %d given both %q and %q", id, prev, name)
		}
		out[id] = name
	}
	return out, nil
}

// chooseAnswers turns the flags into answers for the problems found: the
// named ones as given, and with auto every other one with the director's
// default. An unknown id or a resolution the problem lacks is refused
// before anything is changed.
func chooseAnswers(probs []bosh.Problem, wanted map[int]string, auto bool) ([]bosh.Answer, error) {
	byID := map[int]bosh.Problem{}
	for _, p := range probs {
		byID[p.ID] = p
	}
	ids := make([]int, 0, len(wanted))
	for id := range wanted {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		p, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("--resolve %d=%s: problem %d is not open (open: %s); run `bosun cck -d DEPLOYMENT` to scan and see the ids", id, wanted[id], id, problemIDs(probs))
		}
		if !p.HasResolution(wanted[id]) {
			names := make([]string, len(p.Resolutions))
			for i, r := range p.Resolutions {
				names[i] = r.Name
			}
			return nil, fmt.Errorf("--resolve %d=%s: problem %d (%s) has no such resolution; it has %s", id, wanted[id], id, p.Type, strings.Join(names, ", "))
		}
	}
	var out []bosh.Answer
	for _, p := range probs {
		if name, ok := wanted[p.ID]; ok {
			out = append(out, bosh.Answer{ProblemID: p.ID, Resolution: name})
		} else if auto {
			out = append(out, bosh.Answer{ProblemID: p.ID})
		}
	}
	return out, nil
}

func problemIDs(probs []bosh.Problem) string {
	if len(probs) == 0 {
		return "none"
	}
	ids := make([]string, len(probs))
	for i, p := range probs {
		ids[i] = strconv.Itoa(p.ID)
	}
	return strings.Join(ids, ", ")
}

// cckScan scans, printing task progress when asked; the app records it.
func cckScan(ctx context.Context, s *session, dep string, show bool, errOut io.Writer) ([]bosh.Problem, error) {
	var progress func(bosh.TaskEvent)
	if show {
		progress = taskProgressPrinter(errOut)
	}
	probs, _, err := s.ScanProblems(ctx, dep, progress)
	return probs, err
}

// cckResolve applies answers through the gate and reports what happened
// per problem.
func cckResolve(ctx context.Context, s *session, dep string, probs []bosh.Problem, answers []bosh.Answer, confirm app.Confirm, show bool, errOut io.Writer) (*cckResolution, error) {
	var progress func(bosh.TaskEvent)
	if show {
		progress = taskProgressPrinter(errOut)
	}
	out, rec, err := s.ApplyResolutions(ctx, dep, probs, answers, confirm, progress)
	res := &cckResolution{TaskID: out.TaskID, Answers: rec.Actions}
	if res.Answers == nil {
		res.Answers = []cache.CCKAction{}
	}
	if show {
		for _, a := range res.Answers {
			fmt.Fprintf(errOut, "  #%d %s %s → %s: %s\n", a.ProblemID, a.Type, a.Instance, a.Resolution, a.Result)
		}
	}
	return res, err
}

// taskProgressPrinter prints finished and failed task steps as they come.
func taskProgressPrinter(w io.Writer) func(bosh.TaskEvent) {
	started := false
	return func(ev bosh.TaskEvent) {
		if !started {
			fmt.Fprintf(w, "Task %d\n", ev.TaskID)
			started = true
		}
		printTaskStep(w, ev)
	}
}

// printTaskStep prints a finished or failed step, or the task's error.
func printTaskStep(w io.Writer, ev bosh.TaskEvent) {
	step := strings.Join(strings.Fields(ev.Task), " ")
	switch ev.State {
	case "finished":
		fmt.Fprintf(w, "  %s > %s: done\n", ev.Stage, step)
	case "failed":
		fmt.Fprintf(w, "  %s > %s: failed: %s\n", ev.Stage, step, ev.Error)
	case "error":
		fmt.Fprintf(w, "  task error: %s\n", strings.Join(strings.Fields(ev.Error), " "))
	}
}

// writeProblemsTable prints the problems as expected against actual.
func writeProblemsTable(w io.Writer, dep string, probs []bosh.Problem) {
	if len(probs) == 0 {
		fmt.Fprintf(w, "%s: no problems\n", dep)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTYPE\tINSTANCE\tEXPECTED\tACTUAL\tRESOLUTIONS (* default)")
	for _, p := range probs {
		var names []string
		for _, r := range p.Resolutions {
			n := r.Name
			if n == p.Default {
				n += "*"
			}
			names = append(names, n)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Type, dash(p.Instance), dash(p.Expected.String()),
			dash(p.Actual.String()), strings.Join(names, ", "))
	}
	fmt.Fprintf(tw, "\n%d problems in %s\n", len(probs), dep)
	tw.Flush()
}
