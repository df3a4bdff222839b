package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"bosun/bosh"
)

func newLocksCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "locks",
		Short: "The director's locks: which task holds which deployment (as bosh locks)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLocks(cmd.Context(), g, cmd.OutOrStdout())
		},
	}
}

// lockJSON is one element of `bosun locks --json`: the director's lock,
// every key present.
type lockJSON struct {
	Type      string    `json:"type"`
	Resource  []string  `json:"resource"`
	Timeout   string    `json:"timeout"`
	TaskID    string    `json:"task_id"`
	Source    string    `json:"source"`
	FetchedAt time.Time `json:"fetched_at"`
}

func runLocks(ctx context.Context, g *globals, out io.Writer) error {
	s, err := openSession(g)
	if err != nil {
		return couldNot(err)
	}
	defer s.close()
	locks, err := s.Locks(ctx)
	if err != nil {
		return couldNot(err)
	}
	now := time.Now()
	if g.jsonOut {
		rows := make([]lockJSON, len(locks))
		for i, l := range locks {
			rows[i] = lockJSON{Type: l.Type, Resource: nonNil(l.Resource), Timeout: l.Timeout, TaskID: l.TaskID,
				Source: "live", FetchedAt: now.UTC()}
		}
		return writeJSONArray(out, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tRESOURCE\tTASK\tEXPIRES")
	for _, l := range locks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Type, dash(strings.Join(l.Resource, ":")), dash(l.TaskID), clock(l.ExpiresAt))
	}
	fmt.Fprintf(tw, "\n%d locks\n", len(locks))
	return tw.Flush()
}

type activityFlags struct {
	bosh.EventsFilter
	since, beforeID string
	task            int
	limit           int
}

func newActivityCmd(g *globals) *cobra.Command {
	var f activityFlags
	cmd := &cobra.Command{
		Use:   "activity [-d DEP] [--instance I] [--user U] [--action A] [--since DUR] [--task ID]",
		Short: "The director's activity trail: who changed what (as bosh events)",
		Long: "activity lists the director's events (GET /events), newest first: user, action, object, task,\n" +
			"deployment and instance. The director returns 200 at a time; bosun pages back with before_id\n" +
			"up to --limit events. --since takes a duration back from now (7d, 36h) or a date.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.since != "" {
				t, err := parseSince(f.since, time.Now())
				if err != nil {
					return exitError{2, err.Error()}
				}
				f.After = t
			}
			if f.task < 0 || f.limit < 1 {
				return exitError{2, "--task and --limit take positive numbers"}
			}
			if f.task > 0 {
				f.Task = strconv.Itoa(f.task)
			}
			if f.beforeID != "" {
				if n, err := strconv.Atoi(f.beforeID); err != nil || n < 1 {
					return exitError{2, "--before-id takes an event id"}
				}
				f.BeforeID = f.beforeID
			}
			return runActivity(cmd.Context(), g, f, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.Deployment, "deployment", "d", "", "only events of this deployment")
	fl.StringVar(&f.Instance, "instance", "", "only events of this instance (group/uuid)")
	fl.StringVar(&f.User, "user", "", "only events by this user")
	fl.StringVar(&f.Action, "action", "", "only events with this action (e.g. recreate, update, ssh)")
	fl.StringVar(&f.since, "since", "", "only events since: a duration back (7d, 36h) or a date")
	fl.IntVar(&f.task, "task", 0, "only events of this director task")
	fl.StringVar(&f.beforeID, "before-id", "", "only events older than this event id (the next page)")
	fl.IntVar(&f.limit, "limit", bosh.EventsPage, "at most this many events (pages of 200)")
	return cmd
}

// activityJSON is one element of `bosun activity --json`: the director's
// event object with every key present (null when the director left it out).
type activityJSON struct {
	ID         string         `json:"id"`
	ParentID   *string        `json:"parent_id"`
	Timestamp  int64          `json:"timestamp"`
	User       *string        `json:"user"`
	Action     *string        `json:"action"`
	ObjectType *string        `json:"object_type"`
	ObjectName *string        `json:"object_name"`
	Task       *string        `json:"task"`
	Deployment *string        `json:"deployment"`
	Instance   *string        `json:"instance"`
	Context    map[string]any `json:"context"`
	Error      *string        `json:"error"`
	Source     string         `json:"source"`
	FetchedAt  time.Time      `json:"fetched_at"`
}

func activityForJSON(e bosh.Event, at time.Time) activityJSON {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	j := activityJSON{ID: e.ID, ParentID: opt(e.ParentID), Timestamp: e.Time.Unix(), User: opt(e.User), Action: opt(e.Action),
		ObjectType: opt(e.ObjectType), ObjectName: opt(e.ObjectName), Task: opt(e.Task), Deployment: opt(e.Deployment),
		Instance: opt(e.Instance), Context: e.Context, Error: opt(e.Error), Source: "live", FetchedAt: at.UTC()}
	if j.Context == nil {
		j.Context = map[string]any{}
	}
	return j
}

func runActivity(ctx context.Context, g *globals, f activityFlags, out io.Writer) error {
	s, err := openSession(g)
	if err != nil {
		return couldNot(err)
	}
	defer s.close()
	evs, err := s.Activity(ctx, f.EventsFilter, f.limit)
	if err != nil {
		return couldNot(err)
	}
	now := time.Now()
	if g.jsonOut {
		rows := make([]activityJSON, len(evs))
		for i, e := range evs {
			rows[i] = activityForJSON(e, now)
		}
		return writeJSONArray(out, rows)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tUSER\tACTION\tOBJECT\tTASK\tDEPLOYMENT\tINSTANCE\tERROR")
	for _, e := range evs {
		id := e.ID
		if e.ParentID != "" {
			id += " <- " + e.ParentID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, clock(e.Time), dash(e.User), dash(e.Action),
			dash(strings.TrimSpace(e.ObjectType+" "+e.ObjectName)), dash(e.Task), dash(e.Deployment), dash(e.Instance),
			dash(oneLine(e.Error)))
	}
	fmt.Fprintf(tw, "\n%d events\n", len(evs))
	return tw.Flush()
}
