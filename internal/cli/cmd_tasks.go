package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"bosun/app"
	"bosun/bosh"
)

// defaultRecent is how many tasks --recent lists without a number, as
// `bosh tasks --recent` does.
const defaultRecent = 30

func newTasksCmd(g *globals) *cobra.Command {
	var recent int
	var all bool
	var dep string
	cmd := &cobra.Command{
		Use:   "tasks [--recent [N]] [--all] [-d DEP]",
		Short: "The director's running tasks, or the N most recent (as bosh tasks)",
		Long: "tasks lists the tasks running on the director (queued, processing, cancelling), of every type,\n" +
			"as `bosh tasks` does; --recent N (default 30) lists the N most recent tasks of any state, the\n" +
			"user-visible types only unless --all. Listing tasks never creates a task.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// `--recent 5` (rather than --recent=5) leaves 5 as an argument.
			if len(args) == 1 {
				n, err := strconv.Atoi(args[0])
				if !cmd.Flags().Changed("recent") || err != nil || n < 1 {
					return exitError{2, fmt.Sprintf("unexpected argument %q (the number of tasks goes with --recent)", args[0])}
				}
				recent = n
			}
			if recent < 0 || cmd.Flags().Changed("recent") && recent == 0 {
				return exitError{2, "--recent takes a positive number of tasks"}
			}
			f := bosh.TasksFilter{Recent: recent, All: all || recent == 0, Deployment: dep}
			return runTasks(cmd.Context(), g, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVarP(&recent, "recent", "r", 0, "the N most recent tasks of any state (default 30)")
	cmd.Flags().Lookup("recent").NoOptDefVal = strconv.Itoa(defaultRecent)
	cmd.Flags().BoolVarP(&all, "all", "a", false, "with --recent: include the director's internal tasks (details, logs, ssh, cloud-check)")
	cmd.Flags().StringVarP(&dep, "deployment", "d", "", "only tasks of this deployment")
	return cmd
}

// taskJSON is a task as the director gives it: every key present, null
// when the director has no value.
type taskJSON struct {
	ID          int     `json:"id"`
	State       string  `json:"state"`
	Description string  `json:"description"`
	User        string  `json:"user"`
	Deployment  *string `json:"deployment"`
	StartedAt   *int64  `json:"started_at"`
	Timestamp   *int64  `json:"timestamp"`
	Result      *string `json:"result"`
	ContextID   string  `json:"context_id"`
}

// taskRowJSON is one element of `bosun tasks --json`.
type taskRowJSON struct {
	taskJSON
	Source    string    `json:"source"`
	FetchedAt time.Time `json:"fetched_at"`
}

func taskForJSON(t bosh.Task) taskJSON {
	j := taskJSON{ID: t.ID, State: t.State, Description: t.Description, User: t.User, ContextID: t.ContextID}
	if t.Deployment != "" {
		j.Deployment = &t.Deployment
	}
	if !t.StartedAt.IsZero() {
		v := t.StartedAt.Unix()
		j.StartedAt = &v
	}
	if !t.FinishedAt.IsZero() {
		v := t.FinishedAt.Unix()
		j.Timestamp = &v
	}
	if !t.Running() {
		r := t.Result
		j.Result = &r
	}
	return j
}

// couldNot maps what stopped a command from doing its work to exit 2.
func couldNot(err error) error {
	if err == nil {
		return nil
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee
	}
	if mapped := appError(err); mapped != err {
		return mapped
	}
	return exitError{2, oneLine(err.Error())}
}

func runTasks(ctx context.Context, g *globals, f bosh.TasksFilter, out io.Writer) error {
	s, err := openSession(g)
	if err != nil {
		return couldNot(err)
	}
	defer s.close()
	tasks, err := s.Tasks(ctx, f)
	if err != nil {
		return couldNot(err)
	}
	now := time.Now()
	if g.jsonOut {
		rows := make([]taskRowJSON, len(tasks))
		for i, t := range tasks {
			rows[i] = taskRowJSON{taskForJSON(t), "live", now.UTC()}
		}
		return writeJSONArray(out, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSTARTED\tDURATION\tUSER\tDEPLOYMENT\tDESCRIPTION\tRESULT")
	for _, t := range tasks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.State, clock(t.StartedAt), taskDuration(t, now),
			dash(t.User), dash(t.Deployment), dash(t.Description), dash(oneLine(t.Result)))
	}
	what := "running"
	if f.Recent > 0 {
		what = "recent"
	}
	fmt.Fprintf(tw, "\n%d %s tasks\n", len(tasks), what)
	return tw.Flush()
}

func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// taskDuration is hh:mm:ss, as the bosh CLI shows it.
func taskDuration(t bosh.Task, now time.Time) string {
	d := t.Duration(now)
	if t.StartedAt.IsZero() {
		return "-"
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

func newTaskCmd(g *globals) *cobra.Command {
	var debug, result, cpi, event bool
	cmd := &cobra.Command{
		Use:   "task ID [--event|--debug|--result|--cpi]",
		Short: "A task's output, followed while the task runs (as bosh task)",
		Long: "task prints a director task's event log as stage lines (--event: the raw event lines; --debug,\n" +
			"--result, --cpi: that output, raw), following it while the task runs: polls every 100 ms while\n" +
			"output arrives, backing off to 1 s while nothing changes. --json prints the task object and\n" +
			"does not follow. Exit 0 when the task is done, 1 when it ended in error, cancelled or timed\n" +
			"out, 2 for an unknown task or an unreadable director. Interrupting stops following only.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.Atoi(args[0])
			if err != nil || id < 1 {
				return exitError{2, fmt.Sprintf("task id %q: want a positive number", args[0])}
			}
			typ, n := "", 0
			for _, o := range []struct {
				set bool
				typ string
			}{{event, bosh.OutputEvent}, {debug, bosh.OutputDebug}, {result, bosh.OutputResult}, {cpi, bosh.OutputCPI}} {
				if o.set {
					typ, n = o.typ, n+1
				}
			}
			if n > 1 {
				return exitError{2, "choose one of --event, --debug, --result, --cpi"}
			}
			return runTask(cmd.Context(), g, id, typ, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().BoolVar(&event, "event", false, "the raw event log")
	cmd.Flags().BoolVar(&debug, "debug", false, "the debug log")
	cmd.Flags().BoolVar(&result, "result", false, "the result output")
	cmd.Flags().BoolVar(&cpi, "cpi", false, "the CPI log")
	return cmd
}

func runTask(ctx context.Context, g *globals, id int, typ string, out, errOut io.Writer) error {
	s, err := openSession(g)
	if err != nil {
		return couldNot(err)
	}
	defer s.close()
	if g.jsonOut {
		t, err := s.Task(ctx, id)
		if err != nil {
			return couldNot(err)
		}
		if err := writeJSON(out, taskForJSON(t)); err != nil {
			return err
		}
		return taskExit(t)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	onChunk := func(b []byte) { out.Write(b) }
	if typ == "" {
		r := newTaskEventPrinter(id, out)
		onChunk = r.feed
	}
	t, err := s.FollowTask(ctx, id, typ, onChunk, bosh.FollowOptions{})
	if err != nil {
		if ctx.Err() != nil && bosh.KindOf(err) == bosh.KindCanceled {
			return exitError{130, fmt.Sprintf("stopped following; task %d goes on (bosun cancel-task %d stops it)", id, id)}
		}
		return couldNot(err)
	}
	if typ == "" {
		fmt.Fprintf(out, "\nTask %d %s", t.ID, t.State)
		if !t.StartedAt.IsZero() {
			fmt.Fprintf(out, " after %s", taskDuration(t, time.Now()))
		}
		fmt.Fprintln(out)
	}
	if err := taskExit(t); err != nil {
		fmt.Fprintf(errOut, "bosun: task %d %s: %s\n", t.ID, t.State, dash(oneLine(t.Result)))
		return exitError{1, ""}
	}
	return nil
}

// taskExit is exit 1 for a task that ended in error, cancelled or timed
// out; 0 for one done or still running (--json).
func taskExit(t bosh.Task) error {
	if t.State == bosh.TaskDone || t.Running() {
		return nil
	}
	return exitError{1, ""}
}

// taskEventPrinter renders event lines as the bosh CLI does: a line per step
// started, and per step finished with its duration or its error.
type taskEventPrinter struct {
	id      int
	out     io.Writer
	stream  *bosh.EventStream
	started map[string]time.Time
}

func newTaskEventPrinter(id int, out io.Writer) *taskEventPrinter {
	return &taskEventPrinter{id: id, out: out, stream: bosh.NewEventStream(id), started: map[string]time.Time{}}
}

func (p *taskEventPrinter) feed(b []byte) {
	for _, ev := range p.stream.Feed(b) {
		fmt.Fprintln(p.out, formatTaskEvent(ev, p.started))
	}
}

// formatTaskEvent is one event as a line; started remembers when each
// step started, for the duration on its end.
func formatTaskEvent(ev bosh.TaskEvent, started map[string]time.Time) string {
	at := ev.Time.Local().Format("15:04:05")
	name := ev.Stage
	if ev.Task != "" {
		name += ": " + ev.Task
	}
	k := ev.Stage + "\x00" + ev.Task
	switch ev.State {
	case "error":
		return fmt.Sprintf("Task %d | %s | Error: %s", ev.TaskID, at, ev.Error)
	case "started":
		started[k] = ev.Time
		return fmt.Sprintf("Task %d | %s | %s", ev.TaskID, at, name)
	case "finished", "failed":
		dur := ""
		if t0, ok := started[k]; ok {
			d := ev.Time.Sub(t0)
			dur = fmt.Sprintf(" (%02d:%02d:%02d)", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
		}
		if ev.State == "failed" {
			return fmt.Sprintf("Task %d | %s | %s%s: failed: %s", ev.TaskID, at, name, dur, ev.Error)
		}
		return fmt.Sprintf("Task %d | %s | %s%s: done", ev.TaskID, at, name, dur)
	}
	return fmt.Sprintf("Task %d | %s | %s: %s %d%%", ev.TaskID, at, name, ev.State, ev.Progress)
}

func newCancelTaskCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel-task ID",
		Short: "Cancel a queued or processing director task (asks first; --yes skips)",
		Long: "cancel-task shows the task and asks (default No; --yes confirms), then asks the director to\n" +
			"cancel it (DELETE /task/ID): it becomes cancelling, then cancelled at its next checkpoint.\n" +
			"Recorded in the history. Exit 2 for an unknown task, a task that has ended (with the\n" +
			"director's message), or under --read-only/--offline.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.Atoi(args[0])
			if err != nil || id < 1 {
				return exitError{2, fmt.Sprintf("task id %q: want a positive number", args[0])}
			}
			return runCancelTask(cmd.Context(), g, id, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
}

func runCancelTask(ctx context.Context, g *globals, id int, in io.Reader, out, errOut io.Writer) error {
	s, err := openGated(g, app.CancelTaskPlan(bosh.Task{ID: id}))
	if err != nil {
		return couldNot(err)
	}
	defer s.close()
	confirm := app.Yes
	if !g.yes {
		confirm = func(p app.Plan) (bool, error) { return confirmPlan(in, errOut, p, "Cancel this task?") }
	}
	t, err := s.StopTask(ctx, id, confirm)
	switch {
	case errors.Is(err, app.ErrNotConfirmed):
		return exitError{1, fmt.Sprintf("task %d not cancelled: not confirmed", id)}
	case err != nil:
		return couldNot(err)
	}
	if g.jsonOut {
		return writeJSON(out, taskForJSON(t))
	}
	fmt.Fprintf(out, "Task %d %s\n", t.ID, t.State)
	return nil
}
