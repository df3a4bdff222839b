package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"bosun/bosh"
)

// logsFlags are the options of `bosun logs`.
type logsFlags struct {
	deployment string
	types      []string
	jobs       []string
	only       []string
	dir        string
}

// newLogsCmd is `bosun logs -d DEP INSTANCE` (fetch a bundle) with the
// subcommand `bosun logs list` (the index). An instance group literally
// named "list" is reached as "list/0" or "list/<uuid>".
func newLogsCmd(g *globals) *cobra.Command {
	var lf logsFlags
	cmd := &cobra.Command{
		Use:   "logs [INSTANCE]",
		Short: "Fetch a logs bundle from an instance, an instance group or a deployment (`bosun logs list` shows the index)",
		Long: "Fetch a logs bundle through the director, as `bosh logs` does, into --dir with the bosh CLI's file\n" +
			"name, with its sha256, and record it in the index (`bosun logs files ID` lists what is inside). INSTANCE is group, group/index or group/uuid; without it\n" +
			"the whole deployment's logs are fetched. In a PKS control plane deployment \"pks/0\" names the PKS API VM,\n" +
			"and without -d \"pks/0\" finds that deployment.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if lf.deployment == "" {
				lf.deployment = os.Getenv("BOSH_DEPLOYMENT")
			}
			inst := ""
			if len(args) == 1 {
				inst = args[0]
			}
			return runLogsFetch(cmd.Context(), g, lf, inst, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVarP(&lf.deployment, "deployment", "d", "", "deployment name (env BOSH_DEPLOYMENT)")
	f.StringSliceVar(&lf.types, "type", nil, "log types: job (default), agent, system; repeat or comma-separate")
	f.StringSliceVar(&lf.jobs, "job", nil, "only this job's logs (repeatable)")
	f.StringSliceVar(&lf.only, "only", nil, "only files matching this glob, relative to the log directory (repeatable)")
	f.StringVar(&lf.dir, "dir", ".", "directory to write the bundle to")
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the downloaded log bundles, newest first, with the state of their files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogsList(g, cmd.OutOrStdout())
		},
	})
	cmd.AddCommand(newLogsFilesCmd(g))
	return cmd
}

func runLogsFetch(ctx context.Context, g *globals, lf logsFlags, inst string, out, errOut io.Writer) error {
	if g.offline {
		return exitError{2, "fetching logs needs the director; --offline can only list bundles (bosun logs list)"}
	}
	if lf.deployment == "" && !bosh.IsPKSAlias(inst) {
		return exitError{2, "no deployment named: use -d DEPLOYMENT (or BOSH_DEPLOYMENT)"}
	}
	s, err := openSession(g)
	if err != nil {
		return err
	}
	defer s.close()
	info, _, err := s.DirectorInfo(ctx, false)
	if err != nil {
		return err
	}
	s.warnCache(errOut)
	pr := newProgressPrinter(errOut, !g.jsonOut)
	b, err := s.Client.FetchLogs(ctx, bosh.LogsRequest{
		Deployment: lf.deployment, Instance: inst, Types: lf.types, Jobs: lf.jobs, Filters: lf.only, Dir: lf.dir,
	}, func(p bosh.LogsProgress) {
		if p.Notice != "" {
			pr.notice(p.Notice)
		}
		pr.update(p)
	})
	pr.finish()
	if err != nil {
		return err
	}
	// A filtered bundle is small: list it now, so that a filter that
	// matched nothing is said, not saved as an empty bundle.
	var files []bosh.BundleFile
	if len(lf.only) > 0 {
		files, err = bosh.ScanBundleFile(ctx, b.Path, nil)
		if err == nil && len(files) == 0 {
			os.Remove(b.Path)
			return exitError{2, fmt.Sprintf("no log file matched --only %s; nothing kept", strings.Join(lf.only, " --only "))}
		}
	}
	if s.Store != nil {
		id, err := s.Store.AddLogBundle(info.UUID, b)
		if err != nil {
			fmt.Fprintln(errOut, "bosun: warning: bundle not indexed: "+oneLine(err.Error()))
		} else if files != nil {
			s.Store.SetLogBundleFiles(id, files)
		}
	}
	if g.jsonOut {
		return writeJSON(out, struct {
			Path   string `json:"path"`
			Bytes  int64  `json:"bytes"`
			SHA256 string `json:"sha256"`
		}{b.Path, b.Bytes, b.SHA256})
	}
	resumed := ""
	if b.Resumed > 0 {
		resumed = fmt.Sprintf(", resumed after %s", bosh.ByteCount(b.Resumed))
	}
	fmt.Fprintf(out, "Wrote %s (%s%s, sha256 %s)\n", b.Path, bosh.ByteCount(b.Bytes), resumed, b.SHA256)
	return nil
}

func runLogsList(g *globals, out io.Writer) error {
	store, err := openLogsIndex()
	if err != nil {
		return err
	}
	defer store.Close()
	list, err := store.LogBundles()
	if err != nil {
		return err
	}
	if g.jsonOut {
		return writeJSONArray(out, list)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFETCHED\tDEPLOYMENT\tINSTANCE\tTYPE\tSIZE\tFILES\tSTATE\tPATH")
	for _, b := range list {
		files := "-" // not listed yet: bosun logs files ID
		if b.Files != nil {
			files = strconv.Itoa(*b.Files)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.FetchedAt.Local().Format("2006-01-02 15:04:05"), b.Deployment,
			dash(b.Instance), b.Type, bosh.ByteCount(b.Bytes), files, b.State, b.Path)
	}
	fmt.Fprintf(tw, "\n%d bundles\n", len(list))
	return tw.Flush()
}

// progressPrinter shows a fetch's progress on a terminal's stderr, one
// line rewritten at most every 200 ms.
type progressPrinter struct {
	w     io.Writer
	on    bool
	last  time.Time
	start time.Time
	base  int64 // bytes already there when the stage began (a resumed download)
	shown bool
	stage string
}

// notice prints a line of its own, on a terminal or not, above the
// progress line.
func (p *progressPrinter) notice(msg string) {
	p.finish()
	p.shown = false
	fmt.Fprintln(p.w, "bosun: "+msg)
}

func newProgressPrinter(w io.Writer, want bool) *progressPrinter {
	on := false
	if f, ok := w.(*os.File); ok && want {
		on = term.IsTerminal(int(f.Fd()))
	}
	return &progressPrinter{w: w, on: on}
}

func (p *progressPrinter) update(lp bosh.LogsProgress) {
	if !p.on {
		return
	}
	now := time.Now()
	if lp.Stage == p.stage && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	if lp.Stage != p.stage {
		p.start, p.base = now, lp.Done
	}
	p.stage, p.last = lp.Stage, now
	line := lp.Stage
	if lp.TaskID != 0 {
		line = fmt.Sprintf("task %d: %s", lp.TaskID, lp.Stage)
	}
	if lp.Stage == bosh.StageDownload || lp.Stage == bosh.StageRehash || lp.Stage == stageListing {
		line += " " + bosh.ByteCount(lp.Done)
		if lp.Total > 0 {
			line += " of " + bosh.ByteCount(lp.Total) + fmt.Sprintf(" (%d%%)", lp.Done*100/lp.Total)
		}
		if secs := now.Sub(p.start).Seconds(); secs > 0.2 {
			line += " " + bosh.ByteCount(int64(float64(lp.Done-p.base)/secs)) + "/s"
		}
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.shown = true
}

func (p *progressPrinter) finish() {
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// byteSize is a flag value for sizes such as "500MB", "2GiB" or "1048576".
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }
func (b *byteSize) Type() string   { return "size" }

func (b *byteSize) Set(s string) error {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("not a size: %q (try 500MB)", s)
	}
	*b = byteSize(n * float64(mult))
	return nil
}
