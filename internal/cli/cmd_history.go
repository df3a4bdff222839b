package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"bosun/app"
	"bosun/cache"
)

func newHistoryCmd(g *globals) *cobra.Command {
	var dep, cluster, since string
	cmd := &cobra.Command{
		Use:   "history [-d DEP] [-c CLUSTER] [--since DUR]",
		Short: "Every action bosun ran or refused, newest first, with its equivalent command",
		Long: "history lists the actions recorded in the cache: cloud-check resolutions, audit changes, SSH\n" +
			"sessions and commands, with their outcome (applied, unchanged, failed, rolled_back, cancelled,\n" +
			"interrupted, refused), per-target outcomes, director task ids and the equivalent bosh/tkgi or\n" +
			"manual command. --since takes a duration back from now (7d, 36h) or a date.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cache.HistoryFilter{Deployment: dep, Cluster: cluster}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return exitError{2, err.Error()}
				}
				f.Since = t
			}
			return runHistory(cmd.Context(), g, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&dep, "deployment", "d", "", "only actions on this deployment")
	cmd.Flags().StringVarP(&cluster, "cluster", "c", "", "only actions on this PKS cluster")
	cmd.Flags().StringVar(&since, "since", "", "only actions since: a duration back (7d, 36h) or a date")
	return cmd
}

// historyJSON is one action in `bosun history --json`: every key always
// present.
type historyJSON struct {
	Time       time.Time       `json:"time"`
	User       string          `json:"user"`
	Director   string          `json:"director"`
	Deployment *string         `json:"deployment"`
	Cluster    *string         `json:"cluster"`
	Action     string          `json:"action"`
	Targets    []historyTarget `json:"targets"`
	Outcome    cache.Outcome   `json:"outcome"`
	Command    *string         `json:"command"`
	TaskIDs    []int64         `json:"task_ids"`
	Detail     *string         `json:"detail"`
}

type historyTarget struct {
	Name    string         `json:"name"`
	Outcome *cache.Outcome `json:"outcome"` // null: not reached
}

func historyForJSON(a cache.Action) historyJSON {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	h := historyJSON{Time: a.Time.UTC(), User: a.User, Director: a.Director, Deployment: opt(a.Deployment),
		Cluster: opt(a.Cluster), Action: a.Action, Targets: []historyTarget{}, Outcome: a.Outcome,
		Command: opt(a.Command), TaskIDs: append([]int64{}, a.TaskIDs...), Detail: opt(a.Detail)}
	for _, t := range a.Targets {
		ht := historyTarget{Name: t.Name}
		if t.Outcome != "" {
			o := t.Outcome
			ht.Outcome = &o
		}
		h.Targets = append(h.Targets, ht)
	}
	return h
}

func runHistory(ctx context.Context, g *globals, f cache.HistoryFilter, out io.Writer) error {
	// The history is the cache's alone: it needs no director, of any
	// environment.
	path, err := cache.DefaultPath()
	if err != nil {
		return exitError{2, err.Error()}
	}
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return printHistory(g, out, nil)
	}
	store, err := app.OpenCache(path)
	if err != nil {
		return exitError{2, "the history is kept in the cache, which cannot be opened: " + oneLine(err.Error())}
	}
	defer store.Close()
	acts, err := store.History(ctx, f)
	if err != nil {
		return exitError{2, oneLine(err.Error())}
	}
	return printHistory(g, out, acts)
}

func printHistory(g *globals, out io.Writer, acts []cache.Action) error {
	if g.jsonOut {
		items := make([]historyJSON, len(acts))
		for i, a := range acts {
			items[i] = historyForJSON(a)
		}
		return writeJSONArray(out, items)
	}
	if len(acts) == 0 {
		fmt.Fprintln(out, "no actions recorded")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tUSER\tACTION\tON\tOUTCOME\tTASKS\tDETAIL")
	for _, a := range acts {
		on := a.Deployment
		if a.Cluster != "" {
			on = a.Cluster
		}
		tasks := make([]string, len(a.TaskIDs))
		for i, id := range a.TaskIDs {
			tasks[i] = fmt.Sprint(id)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Time.Local().Format("2006-01-02 15:04:05"), a.User, a.Action,
			dash(on), a.Outcome, dash(strings.Join(tasks, ",")), dash(a.Detail))
		if a.Command != "" {
			fmt.Fprintf(tw, "\t\t\t\t\t\t  $ %s\n", a.Command)
		}
	}
	return tw.Flush()
}
